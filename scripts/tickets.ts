// `npm run --silent tickets -- --json`: every ticket in the configured store (DATA_DIR) as a JSON array.
import { ConfigError, loadConfig } from '../bot/config';
import { openDatabase } from '../bot/storage/database';
import { SqliteTicketStore } from '../bot/tickets/sqliteTicketStore';

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const config = loadConfig();
  const db = openDatabase(config.dataDir);
  try {
    const tickets = await new SqliteTicketStore(db).list();
    if (json) {
      process.stdout.write(`${JSON.stringify(tickets, null, 2)}\n`);
      return;
    }
    if (tickets.length === 0) {
      console.log(`No tickets in ${config.dataDir}.`);
      return;
    }
    for (const t of tickets) {
      console.log(`${t.reference}  ${t.createdAt}  ${t.status.padEnd(8)} ${t.department.padEnd(8)} ${t.subject}`);
    }
    console.log(`\n${tickets.length} ticket(s) in ${config.dataDir}. Use --json for the fields and transcripts.`);
  } finally {
    db.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
