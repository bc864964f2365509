// `npm run --silent tickets -- --json`: every ticket in the configured store (DATABASE_URL, else SQLite
// under DATA_DIR) as a JSON array.
import crypto from 'node:crypto';
import { ConfigError, loadConfig } from '../bot/config';
import { openStore } from '../bot/store';

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const config = loadConfig();
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.DATABASE_URL }, { instanceId: crypto.randomUUID() });
  const where = store.dialect === 'postgres' ? 'the PostgreSQL database' : config.dataDir;
  try {
    const tickets = await store.tickets.list();
    if (json) {
      process.stdout.write(`${JSON.stringify(tickets, null, 2)}\n`);
      return;
    }
    if (tickets.length === 0) {
      console.log(`No tickets in ${where}.`);
      return;
    }
    for (const t of tickets) {
      console.log(`${t.reference}  ${t.createdAt}  ${t.status.padEnd(8)} ${t.department.padEnd(8)} ${t.subject}`);
    }
    console.log(`\n${tickets.length} ticket(s) in ${where}. Use --json for the fields and transcripts.`);
  } finally {
    await store.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
