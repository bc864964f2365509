// Tickets reach the help desk through the outbox, against real servers on loopback: an SMTP server and a
// webhook receiver that checks signatures. The worker's passes are run by the test (app.deliveries.runOnce)
// and its clock is the test's, so retries come due when the test says, not by waiting.
import crypto from 'node:crypto';
import type { App } from '../../bot/app';
import { hashSecret } from '../../bot/agent/secrets';
import { ConfigError } from '../../bot/config';
import { deliveryLine, deliveryStatus } from '../../bot/delivery/status';
import type { NewTicket } from '../../bot/tickets/ticket';
import { freePort } from '../../scripts/soak/serverProcess';
import { listen, startApp, tempDir } from '../helpers';
import { npmRun } from '../npmRun';
import { smtpReceiver, webhookReceiver, type SmtpReceiver, type WebhookReceiver } from './receivers';

const SECRET = 'a-shared-secret-of-at-least-32-characters';
const HOUR = 3600_000;

function env(smtp: string, webhook: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SMTP_URL: smtp, TICKET_EMAIL_FROM: 'Kartra bot <bot@triage.example>', TICKET_EMAIL_TO: 'support@helpdesk.example',
    TICKET_EMAIL_DEPARTMENTS: 'Billing=billing@helpdesk.example', TICKET_WEBHOOK_URL: webhook, TICKET_WEBHOOK_SECRET: SECRET,
    DELIVERY_TIMEOUT_SECONDS: '5', DELIVERY_MAX_ATTEMPTS: '5', ...extra,
  };
}

function ticket(n: number, extra: Partial<NewTicket> = {}): NewTicket {
  return {
    idempotencyKey: `t-${n}-${crypto.randomUUID()}`, department: 'Support', subject: 'Support request', intent: 'support.contact',
    channel: 'directline', conversationId: `conv-${n}`, userId: 'u', fields: { details: `Problem number ${n}`, account_email: `c${n}@example.com`, support_code: 'AB12CD' },
    attachments: [], transcript: [{ role: 'user', text: `Problem number ${n}`, attachments: [], at: new Date().toISOString() }], ...extra,
  };
}

describe('ticket delivery to the help desk', () => {
  let smtp: SmtpReceiver;
  let hook: WebhookReceiver;
  const open: Array<{ close(): Promise<unknown> | unknown }> = [];
  let clock = Date.now();
  const now = () => clock;

  beforeEach(async () => {
    clock = Date.now();
    smtp = await smtpReceiver();
    hook = await webhookReceiver(SECRET);
    open.push(smtp, hook);
  });
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close();
  });

  async function app(extra: Record<string, string> = {}, smtpUrl = smtp.url, webhookUrl = hook.url): Promise<App> {
    const a = await startApp(tempDir(), env(smtpUrl, webhookUrl, extra), { now });
    open.push(a);
    return a;
  }

  it('an IP-block ticket from a conversation arrives by email (subject, Reply-To, fields in the help text order, screenshot bytes, JSON part, stable Message-ID) and by signed webhook', async () => {
    const a = await app({ TICKET_ACK_EMAIL: 'true' });
    const { server, url } = await listen(a);
    open.push({ close: () => server.close() });
    const conv = 'delivery-ip';
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), crypto.randomBytes(200)]);
    const file = await a.store.files.save({ conversationId: conv, name: 'block.png', contentType: 'image/png', data: png });
    const say = async (text: string, attachments: unknown[] = [], conversation = conv) => {
      const res = await fetch(`${url}/api/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'message', text, id: crypto.randomUUID(), channelId: 'emulator', deliveryMode: 'expectReplies', serviceUrl: 'http://127.0.0.1:1', conversation: { id: conversation }, from: { id: conversation }, recipient: { id: 'bot' }, attachments }),
      });
      const body = (await res.json()) as { activities: Array<{ text?: string }> };
      return body.activities.map((x) => x.text ?? '').join('\n');
    };
    // The customer gives the email first, out of the help text's order.
    await say('Hi, my IP 198.51.100.77 got blocked, my account email is jane@example.com');
    await say('jane_doe');
    await say('Internet cafe');
    await say('https://www.loom.com/share/speedtest');
    await say('Edited a page, then logged in from the cafe');
    await say('no');
    // The screenshot of the block, sent with the paperclip (stored by this bot, so its bytes go with the ticket).
    await say('', [{ contentType: 'image/png', name: 'block.png', contentUrl: `${url}/v3/directline/attachments/${file.id}` }]);
    await say('yes');
    await say('SC-7781');
    const opened = await say('yes, open it');
    const reference = /KT-[A-Z0-9]{6}/.exec(opened)?.[0] ?? '';
    expect(reference).not.toBe('');

    expect(await a.deliveries.runOnce()).toBe(3);
    const mail = smtp.mails.find((m) => m.subject === 'IP Blocked');
    expect(mail).toBeDefined();
    if (!mail) return;
    expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('support@helpdesk.example');
    expect(mail.replyTo?.text).toBe('jane@example.com');
    expect(mail.messageId).toBe(`<${reference.toLowerCase()}.ticket@triage.example>`);
    const labels = (mail.text ?? '').split('\n').filter((l) => /^[A-Z][\w ]+: /.test(l)).map((l) => l.split(':')[0]);
    expect(labels.slice(0, 10)).toEqual(['Username', 'IP address', 'Where the IP is', 'Speed test screenshot', 'Account email',
      'Recent actions before the block', 'Several people use this IP', 'Screenshot of the block', 'Uses a VPN', 'Support code']);
    expect(mail.text).toContain('Customer: Hi, my IP 198.51.100.77 got blocked');
    expect(mail.html).toContain('<th align="left" valign="top">Username</th><td>jane_doe</td>');
    const screenshot = mail.attachments.find((x) => x.filename === 'block.png');
    expect(screenshot?.content.equals(png)).toBe(true);
    const json = mail.attachments.find((x) => x.contentType === 'application/json');
    expect(JSON.parse(json?.content.toString() ?? '{}')).toMatchObject({ reference, subject: 'IP Blocked', department: 'Support' });

    expect(hook.badSignatures).toBe(0);
    expect(hook.accepted).toHaveLength(1);
    const posted = hook.accepted[0];
    expect(posted?.idempotencyKey).toBe(posted?.body.id);
    expect(posted?.body.ticket).toMatchObject({ reference, subject: 'IP Blocked' });
    expect(posted?.body.ticket.fields.map((f) => f.name).slice(0, 5)).toEqual(['username', 'ip_address', 'ip_place', 'speed_test_screenshot', 'account_email']);

    const ack = smtp.mails.find((m) => m.subject?.startsWith('We have your request'));
    expect(ack?.subject).toBe(`We have your request ${reference}: IP Blocked`);
    expect(ack?.to && 'text' in ack.to ? ack.to.text : '').toBe('jane@example.com');
    expect(ack?.replyTo?.text).toBe('support@helpdesk.example');

    // "What's happening with it?": delivered, and when; from another conversation only with the ticket's account email.
    const reached = /^KT-\w{6} \(Support\): “IP Blocked”, opened .* UTC\. It is open, and a person from the team will reply by email\. It reached the support team's help desk on \d{1,2} \w{3} \d{4}, \d\d:\d\d UTC\.$/;
    expect((await say(`whats happening with ${reference}?`)).replace(/\*\*/g, '')).toMatch(reached);
    expect(await say(`hi, any news on ${reference}?`, [], 'someone-else')).toMatch(/^To look up \*\*KT-\w{6}\*\*, I need the account email/);
    expect(await say('mallory@example.com', [], 'someone-else')).toMatch(/^I can't show \*\*KT-\w{6}\*\* with that email/);
    expect(await say(`status of ${reference.toLowerCase()}`, [], 'someone-else')).toMatch(/^To look up/);
    expect((await say('Jane@Example.com', [], 'someone-else')).replace(/\*\*/g, '')).toMatch(reached);

    const t = await a.store.tickets.byReference(reference);
    const lines = (await a.store.deliveries.forTickets([t?.id ?? ''])).get(t?.id ?? '')?.map(deliveryLine);
    expect(lines).toEqual([
      expect.stringMatching(/^acknowledgement to the customer to jane@example.com: delivered 20/),
      expect.stringMatching(/^email to support@helpdesk.example: delivered 20/),
      expect.stringMatching(/^webhook to http:\/\/127.0.0.1:\d+\/tickets: delivered 20/),
    ]);
  }, 30_000);

  it('a Billing ticket goes to the Billing address; a replayed ticket (same key) is not delivered twice', async () => {
    const a = await app();
    const input = ticket(1, { department: 'Billing', subject: 'Billing question' });
    await a.store.tickets.create(input);
    await a.store.tickets.create(input);
    await a.deliveries.runOnce();
    expect(smtp.mails.map((m) => (m.to && 'text' in m.to ? m.to.text : ''))).toEqual(['billing@helpdesk.example']);
    expect(hook.accepted).toHaveLength(1);
  });

  it('the help desk is down while 100 tickets are opened, then comes back: all 100 arrive, once each', async () => {
    const smtpPort = smtp.port;
    const hookUrl = hook.url;
    await smtp.close();
    await hook.close();
    const a = await app({}, `smtp://127.0.0.1:${smtpPort}`, hookUrl);
    for (let n = 0; n < 100; n++) await a.store.tickets.create(ticket(n));
    expect(await a.deliveries.runOnce()).toBe(200);
    const tickets = await a.store.tickets.list();
    const all = [...(await a.store.deliveries.forTickets(tickets.map((t) => t.id))).values()].flat();
    expect(all).toHaveLength(200);
    for (const d of all) expect(deliveryStatus(d)).toMatch(/^retrying: attempt 2, next at 20\S+ \((mail server|webhook): connection refused \(ECONNREFUSED\)\)$/);
    // Not due yet: nothing is tried again.
    expect(await a.deliveries.runOnce()).toBe(0);

    smtp = await smtpReceiver(smtpPort);
    hook = await webhookReceiver(SECRET, new URL(hookUrl));
    open.push(smtp, hook);
    clock += HOUR;
    expect(await a.deliveries.runOnce()).toBe(200);
    expect(smtp.distinct().size).toBe(100);
    expect(smtp.mails).toHaveLength(100);
    expect(hook.distinct().size).toBe(100);
    expect(hook.accepted).toHaveLength(100);
    const after = [...(await a.store.deliveries.forTickets(tickets.map((t) => t.id))).values()].flat();
    expect(after.every((d) => d.status === 'delivered')).toBe(true);
  }, 60_000);

  it('refusals and broken targets get a clear status, and never stop the server', async () => {
    // The receiver refuses the request itself (400): final at once. The mail server refuses the mailbox (550): final.
    hook.answer = { status: 400 };
    smtp.refuseWith = { code: 550, message: 'Mailbox unavailable' };
    const a = await app();
    const t = await a.store.tickets.create(ticket(1));
    await a.deliveries.runOnce();
    const lines = (await a.store.deliveries.forTickets([t.id])).get(t.id)?.map(deliveryStatus);
    expect(lines).toEqual(['failed: mail server answered: 550 Mailbox unavailable', 'failed: webhook: the receiver answered 400 Bad Request']);

    // Busy (503 with Retry-After 600): tried again no sooner than asked.
    hook.answer = { status: 503, retryAfter: '600' };
    smtp.refuseWith = { code: 451, message: 'Try again later' };
    const busy = await a.store.tickets.create(ticket(2));
    await a.deliveries.runOnce();
    const [mail, webhook] = (await a.store.deliveries.forTickets([busy.id])).get(busy.id) ?? [];
    expect(deliveryStatus(mail!)).toMatch(/^retrying: attempt 2, next at .* \(mail server answered: 451 Try again later\)$/);
    expect(webhook?.nextAt).toBeGreaterThanOrEqual(clock + 600_000);
    clock += 599_000;
    await a.deliveries.runOnce();
    expect((await a.store.deliveries.get(webhook?.id ?? ''))?.attempts).toBe(1);

    // After the last attempt it is given up, with the reason; an agent's retry sends it again.
    for (let i = 0; i < 6; i++) { clock += 2 * HOUR; await a.deliveries.runOnce(); }
    expect(deliveryStatus((await a.store.deliveries.get(mail?.id ?? ''))!)).toBe('failed: gave up after 5 attempts: mail server answered: 451 Try again later');
    smtp.refuseWith = undefined;
    expect(await a.store.deliveries.retry(mail?.id ?? '')).toBe(true);
    expect(await a.store.deliveries.retry(mail?.id ?? '')).toBe(false);
    await a.deliveries.runOnce();
    expect((await a.store.deliveries.get(mail?.id ?? ''))?.status).toBe('delivered');
    expect(smtp.mails.map((m) => m.subject)).toEqual(['Support request']);
  }, 30_000);

  it('`npm run tickets` shows each delivery\'s status, and `--retry` makes a failed one due again', async () => {
    const down = `smtp://127.0.0.1:${await freePort()}`;
    const a = await app({ DELIVERY_MAX_ATTEMPTS: '1' }, down);
    const t = await a.store.tickets.create(ticket(1));
    await a.deliveries.runOnce();
    const where = { DATA_DIR: a.config.dataDir, ...(a.config.DATABASE_URL ? { DATABASE_URL: a.config.DATABASE_URL } : {}) };
    const listed = await npmRun(['tickets'], '', where);
    expect(listed.stdout).toContain(`${t.reference}  `);
    expect(listed.stdout).toMatch(/ {4}email to support@helpdesk.example: failed: gave up after 1 attempts: mail server: connection refused \(ECONNREFUSED\)\n {4}webhook to http:\/\/127.0.0.1:\d+\/tickets: delivered 20/);
    expect(listed.stdout).toMatch(/1 failed delivery: retry with --retry <reference>/);
    const retried = await npmRun(['tickets', '--', '--retry', t.reference.toLowerCase()], '', where);
    expect(retried.stdout).toBe(`${t.reference}: 1 failed delivery is due again; the running server sends it.\n`);
    const json = JSON.parse((await npmRun(['tickets', '--', '--json'], '', where)).stdout) as Array<{ deliveries: Array<{ kind: string; status: string; summary: string }> }>;
    expect(json[0]?.deliveries.map((d) => [d.kind, d.status])).toEqual([['email', 'pending'], ['webhook', 'delivered']]);
  }, 60_000);

  it('the agent console lists tickets with where each went; an agent retries a failed delivery', async () => {
    hook.answer = { status: 410 };
    const a = await app({ AGENTS: `Maria=${hashSecret('maria-secret-1')}` });
    const { server, url } = await listen(a);
    open.push({ close: () => server.close() });
    const t = await a.store.tickets.create(ticket(7));
    await a.deliveries.runOnce();
    const login = await fetch(`${url}/agent/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=Maria&secret=maria-secret-1' });
    const cookie = `kt_agent=${/kt_agent=([\w-]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1] ?? ''}`;
    type Listed = Array<{ reference: string; deliveries: Array<{ id: string; kind: string; status: string; summary: string }> }>;
    const listed = (await (await fetch(`${url}/agent/api/tickets`, { headers: { cookie } })).json()) as Listed;
    expect(listed[0]).toMatchObject({ reference: t.reference, deliveries: [
      { kind: 'email', status: 'delivered', summary: expect.stringMatching(/^delivered 20/) },
      { kind: 'webhook', status: 'failed', summary: 'failed: webhook: the receiver answered 410 Gone' },
    ] });
    const failed = listed[0]?.deliveries[1]?.id ?? '';
    const retry = (id: string) => fetch(`${url}/agent/api/deliveries/${id}/retry`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
    expect((await retry(listed[0]?.deliveries[0]?.id ?? '')).status).toBe(409);
    expect((await retry('no-such-delivery')).status).toBe(404);
    hook.answer = undefined;
    expect((await retry(failed)).status).toBe(204);
    await a.deliveries.runOnce();
    const after = (await (await fetch(`${url}/agent/api/tickets`, { headers: { cookie } })).json()) as Listed;
    expect(after[0]?.deliveries.map((d) => d.status)).toEqual(['delivered', 'delivered']);
    expect(hook.accepted).toHaveLength(1);
  }, 30_000);

  it.each([
    ['a mail server nobody listens on', async () => `smtp://127.0.0.1:${await freePort()}`, /^retrying: attempt 2, .*\(mail server: connection refused \(ECONNREFUSED\)\)$/],
    ['TLS to a server that does not speak it', async () => `smtps://127.0.0.1:${smtp.port}`, /^retrying: attempt 2, .*\(mail server: TLS refused \(the server does not speak TLS on this port\)/],
  ])('%s: a clear status, no crash', async (_name, smtpUrl, status) => {
    const a = await app({}, await smtpUrl(), hook.url.replace('http:', 'https:'));
    const t = await a.store.tickets.create(ticket(1));
    await a.deliveries.runOnce();
    const [mail, webhook] = (await a.store.deliveries.forTickets([t.id])).get(t.id) ?? [];
    expect(deliveryStatus(mail!)).toMatch(status);
    expect(deliveryStatus(webhook!)).toMatch(/^retrying: attempt 2, .*\(webhook: TLS refused \(the server does not speak TLS on this port\)/);
  }, 30_000);

  it('refuses a configuration it cannot deliver with, at start-up, saying what is wrong', async () => {
    await expect(startApp(tempDir(), { SMTP_URL: smtp.url })).rejects.toThrow(/TICKET_EMAIL_FROM: required when SMTP_URL is set[\s\S]*TICKET_EMAIL_TO: required when SMTP_URL is set/);
    await expect(startApp(tempDir(), env(smtp.url, hook.url, { TICKET_EMAIL_DEPARTMENTS: 'Biling=b@x.example' }))).rejects.toThrow(ConfigError);
    await expect(startApp(tempDir(), env(smtp.url, hook.url, { TICKET_EMAIL_DEPARTMENTS: 'Biling=b@x.example' }))).rejects.toThrow(/no department "Biling" in rules\/tickets.yaml/);
    await expect(startApp(tempDir(), { TICKET_WEBHOOK_URL: hook.url, TICKET_WEBHOOK_SECRET: 'short' })).rejects.toThrow(/TICKET_WEBHOOK_SECRET: must be at least 32 characters/);
    await expect(startApp(tempDir(), { TICKET_EMAIL_TO: 'not-an-address' })).rejects.toThrow(/TICKET_EMAIL_TO: must be an email address/);
  });
});
