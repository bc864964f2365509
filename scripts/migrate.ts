// `npm run migrate`: brings the configured store (DATABASE_URL, else SQLite under DATA_DIR) up to the
// current schema and prints what it applied. The server does the same on start; this is for deploys that
// migrate before rolling out new instances.
import { ConfigError, loadConfig } from '../bot/config';
import { connect, migrate } from '../bot/store/connect';

async function main(): Promise<void> {
  const config = loadConfig();
  const connection = connect({ dataDir: config.dataDir, databaseUrl: config.DATABASE_URL });
  const where = connection.dialect === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `SQLite in ${config.dataDir}`;
  try {
    const applied = await migrate(connection);
    console.log(applied.length ? `Applied to ${where}: ${applied.join(', ')}.` : `${where} is up to date.`);
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
