// `npm run migrate:copy`: moves an embedded deployment's data (SQLite under DATA_DIR) into the PostgreSQL
// database at DATABASE_URL, which several instances can then share. Stop the server first; the target is
// migrated here and must be empty. Prints progress per table and the row counts.
import { ConfigError, loadConfig } from '../bot/config';
import { connect, migrate } from '../bot/store/connect';
import { copyStore, TargetNotEmptyError } from '../bot/store/copy';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new ConfigError('Set DATABASE_URL to the PostgreSQL database to copy into (and DATA_DIR to the SQLite data to copy from).');
  const from = connect({ dataDir: config.dataDir });
  const to = connect({ dataDir: config.dataDir, databaseUrl: config.DATABASE_URL });
  try {
    await migrate(from);
    await migrate(to);
    let shown = '';
    const counts = await copyStore(from, to, (table, rows) => {
      const line = `  ${table}: ${rows} rows`;
      if (process.stdout.isTTY) process.stdout.write(`\r${line}`); else if (line !== shown && rows % 10000 === 0) console.log(line);
      shown = line;
    });
    if (process.stdout.isTTY) process.stdout.write('\n');
    console.log(`Copied from SQLite in ${config.dataDir} to PostgreSQL:`);
    for (const [table, rows] of Object.entries(counts)) console.log(`  ${table.padEnd(20)} ${rows}`);
    console.log('Start the instances with DATABASE_URL set; keep the SQLite folder until you have checked the copy.');
  } finally {
    await from.close();
    await to.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError || err instanceof TargetNotEmptyError ? err.message : err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
