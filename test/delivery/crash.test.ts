// `kill -9` the bot while tickets are on their way to the help desk, start it again: every ticket arrives,
// and the help desk, deduping by Message-ID and Idempotency-Key as real ones do, has each once. Real
// server processes, a real SMTP server and webhook receiver, on SQLite and on PostgreSQL.
import crypto from 'node:crypto';
import { openStore } from '../../bot/store';
import { startServer, type ServerProcess } from '../serverProcess';
import { ENGINES, freshLocation, type Engine } from '../store/engines';
import { smtpReceiver, webhookReceiver, type SmtpReceiver, type WebhookReceiver } from './receivers';

const SECRET = 'a-shared-secret-of-at-least-32-characters';
const TICKETS = 30;

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(ENGINES)('deliveries survive a crash (%s)', (engine: Engine) => {
  let smtp: SmtpReceiver;
  let hook: WebhookReceiver;
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop('SIGKILL');
    await smtp?.close();
    await hook?.close();
  });

  it(`${TICKETS} tickets, the bot killed with deliveries in flight and restarted: each arrives, none is seen twice after dedupe`, async () => {
    smtp = await smtpReceiver();
    hook = await webhookReceiver(SECRET);
    // A slow help desk (sends stay in flight long enough to be cut), busy while the tickets are opened so
    // that none has gone out before the test is ready to crash the bot.
    smtp.delayMs = 250;
    hook.delayMs = 250;
    smtp.refuseWith = { code: 451, message: 'Busy, try again later' };
    hook.answer = { status: 503 };
    const location = await freshLocation(engine);
    const env = {
      DATA_DIR: location.dataDir, ...(location.databaseUrl ? { DATABASE_URL: location.databaseUrl } : {}), LOG_LEVEL: 'warn',
      SMTP_URL: smtp.url, TICKET_EMAIL_FROM: 'bot@triage.example', TICKET_EMAIL_TO: 'support@helpdesk.example',
      TICKET_WEBHOOK_URL: hook.url, TICKET_WEBHOOK_SECRET: SECRET, DELIVERY_TIMEOUT_SECONDS: '1', DELIVERY_RETRY_SECONDS: '1',
    };
    const first = await startServer(env);
    servers.push(first);
    const say = async (conversation: string, text: string) => {
      const res = await fetch(`${first.url}/api/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'message', text, id: crypto.randomUUID(), channelId: 'emulator', deliveryMode: 'expectReplies', serviceUrl: 'http://127.0.0.1:1', conversation: { id: conversation }, from: { id: conversation }, recipient: { id: 'bot' } }),
      });
      return ((await res.json()) as { activities: Array<{ text?: string }> }).activities.map((a) => a.text ?? '').join('\n');
    };
    const references: string[] = [];
    for (let n = 0; n < TICKETS; n++) {
      const conversation = `crash-${n}`;
      await say(conversation, `When I log in it says "This Kartra account is not active". My login email is t${n}@example.org`);
      await say(conversation, 'SC-5521');
      references.push(/KT-[A-Z0-9]{6}/.exec(await say(conversation, 'yes, open it'))?.[0] ?? '');
    }
    expect(references.every(Boolean)).toBe(true);
    expect(smtp.mails.length + hook.accepted.length).toBe(0);
    smtp.refuseWith = undefined;
    hook.answer = undefined;

    // Some have arrived, the rest are queued or on the wire: now the process dies.
    await waitFor('the first deliveries', () => smtp.mails.length + hook.accepted.length >= 6, 30_000);
    await first.stop('SIGKILL');
    const arrivedBeforeCrash = smtp.distinct().size + hook.distinct().size;
    expect(arrivedBeforeCrash).toBeLessThan(2 * TICKETS);

    servers.push(await startServer(env));
    // Claims the dead process held are taken again when their lease runs out (a few seconds here).
    await waitFor('every ticket at the help desk', () => smtp.distinct().size === TICKETS && hook.distinct().size === TICKETS, 60_000);
    const subjects = new Set(smtp.mails.map((m) => String(m.headers.get('x-kartra-ticket'))));
    expect([...subjects].sort()).toEqual([...references].sort());
    expect(new Set(hook.accepted.map((a) => a.body.ticket.reference))).toEqual(new Set(references));
    // Total may exceed distinct only by sends the crash cut after the help desk took them; each repeat
    // carries the same Message-ID / Idempotency-Key as the first.
    expect(smtp.mails.length - TICKETS).toBeLessThanOrEqual(10);
    expect(hook.accepted.length - TICKETS).toBeLessThanOrEqual(10);
    expect(hook.badSignatures).toBe(0);

    const store = await openStore(location, { instanceId: 'check' });
    try {
      await waitFor('every delivery marked delivered', async () => {
        const tickets = await store.tickets.list();
        return [...(await store.deliveries.forTickets(tickets.map((t) => t.id))).values()].flat().filter((d) => d.status === 'delivered').length === 2 * TICKETS;
      }, 10_000);
    } finally {
      await store.close();
    }
    process.stdout.write(`[${engine}] emails: ${smtp.mails.length} received, ${smtp.distinct().size} distinct; webhooks: ${hook.accepted.length} received, ${hook.distinct().size} distinct\n`);
  }, 120_000);
});
