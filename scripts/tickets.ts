// `npm run tickets`: every ticket in the configured store (DATABASE_URL, else SQLite under DATA_DIR) with
// where it was delivered. `-- --json`: the same as a JSON array. `-- --retry KT-XXXXXX`: that ticket's
// failed deliveries are due again (the running server sends them).
import crypto from 'node:crypto';
import { ConfigError, loadConfig } from '../bot/config';
import { deliveryLine, deliveryStatus } from '../bot/delivery/status';
import { openStore } from '../bot/store';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const retry = args.includes('--retry') ? args[args.indexOf('--retry') + 1] ?? '' : undefined;
  const config = loadConfig();
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.DATABASE_URL }, { instanceId: crypto.randomUUID() });
  const where = store.dialect === 'postgres' ? 'the PostgreSQL database' : config.dataDir;
  try {
    if (retry !== undefined) {
      const ticket = await store.tickets.byReference(retry.trim().toUpperCase());
      if (!ticket) { console.error(`No ticket ${retry} in ${where}.`); process.exitCode = 1; return; }
      const failed = (await store.deliveries.forTickets([ticket.id])).get(ticket.id)?.filter((d) => d.status === 'failed') ?? [];
      for (const d of failed) await store.deliveries.retry(d.id);
      console.log(failed.length ? `${ticket.reference}: ${failed.length} failed deliver${failed.length > 1 ? 'ies are' : 'y is'} due again; the running server sends ${failed.length > 1 ? 'them' : 'it'}.` : `${ticket.reference} has no failed delivery.`);
      return;
    }
    const tickets = await store.tickets.list();
    const deliveries = await store.deliveries.forTickets(tickets.map((t) => t.id));
    if (json) {
      const out = tickets.map((t) => ({ ...t, deliveries: (deliveries.get(t.id) ?? []).map((d) => ({ ...d, summary: deliveryStatus(d) })) }));
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return;
    }
    if (tickets.length === 0) {
      console.log(`No tickets in ${where}.`);
      return;
    }
    for (const t of tickets) {
      console.log(`${t.reference}  ${t.createdAt}  ${t.status.padEnd(8)} ${t.department.padEnd(8)} ${t.subject}`);
      const sent = deliveries.get(t.id) ?? [];
      for (const d of sent) console.log(`    ${deliveryLine(d)}`);
      if (!sent.length) console.log('    not delivered anywhere (no SMTP_URL or TICKET_WEBHOOK_URL when it was opened)');
    }
    const failed = [...deliveries.values()].flat().filter((d) => d.status === 'failed').length;
    console.log(`\n${tickets.length} ticket(s) in ${where}.${failed ? ` ${failed} failed deliver${failed > 1 ? 'ies' : 'y'}: retry with --retry <reference>.` : ''} Use --json for the fields and transcripts.`);
  } finally {
    await store.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
