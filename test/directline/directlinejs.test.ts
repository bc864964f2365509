/**
 * The real Direct Line client (botframework-directlinejs, the library inside Web Chat) against the real
 * server process, in a browser-like environment: jsdom's XMLHttpRequest and WebSocket, from a page on
 * another origin, so CORS is exercised as a browser would.
 *
 * @jest-environment jsdom
 * @jest-environment-options {"url": "https://www.example-shop.test/help"}
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { ConnectionStatus, DirectLine, type Activity, type Message } from 'botframework-directlinejs';
import { tempDir } from '../tmp';
import { startServer, type ServerProcess } from '../serverProcess';

const SHOP = 'https://www.example-shop.test';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('speed test result: 2 Mbps')]);
const run = promisify(execFile);

/** What the page's embed script does first: ask the bot's token endpoint (same origin as the bot). */
function requestJson(url: string, method = 'POST', body: unknown = {}): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { 'content-type': 'application/json', origin: SHOP } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (method !== 'GET') req.end(JSON.stringify(body)); else req.end();
  });
}

interface Session { token: string; conversationId: string; userId: string; domain: string; resumed: boolean }
async function session(url: string, resume?: { conversationId: string; token: string }): Promise<Session> {
  const res = await requestJson(`${url}/api/directline/token`, 'POST', resume ? { resume } : {});
  expect(res.status).toBe(200);
  return JSON.parse(res.body.toString()) as Session;
}

function render(a: Activity): string {
  const m = a as Message;
  return [m.text ?? '', ...(m.suggestedActions?.actions ?? []).map((x) => `[${x.title}]`), ...(m.attachments ?? []).map((x) => JSON.stringify(x))].join(' ');
}

/** A user on the page: everything the client receives, and waits on what the bot says next. */
class User {
  readonly seen: Activity[] = [];
  private readonly waiters: { test: (a: Activity) => boolean; resolve: (a: Activity) => void }[] = [];

  constructor(readonly dl: DirectLine, readonly userId: string) {
    dl.activity$.subscribe({
      next: (a) => {
        this.seen.push(a);
        for (const w of [...this.waiters]) if (w.test(a)) { this.waiters.splice(this.waiters.indexOf(w), 1); w.resolve(a); }
      },
      // end() completes the stream with "conversation ended": expected when a page goes away.
      error: (err: Error) => { if (err.message !== 'conversation ended') throw err; },
    });
  }

  /** The next bot message (after `from`) matching the pattern. */
  bot(pattern: RegExp, from = 0): Promise<Activity> {
    const test = (a: Activity) => a.type === 'message' && a.from.id !== this.userId && pattern.test(render(a));
    const already = this.seen.slice(from).find(test);
    return already ? Promise.resolve(already) : new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  /** Posts like Web Chat does and waits for the echo (with our clientActivityID) and the bot's answer. */
  async send(activity: Partial<Message>, answer: RegExp): Promise<Activity> {
    const mark = this.seen.length;
    const clientActivityID = `c-${Math.random().toString(36).slice(2)}`;
    const echoed = new Promise<void>((resolve) => this.waiters.push({ test: (a) => (a.channelData as { clientActivityID?: string } | undefined)?.clientActivityID === clientActivityID, resolve: () => resolve() }));
    const id = await new Promise<string>((resolve, reject) => {
      this.dl.postActivity({ type: 'message', from: { id: this.userId }, channelData: { clientActivityID }, ...activity } as Message).subscribe({ next: resolve, error: reject });
    });
    expect(id).toMatch(/\|\d{7}$/);
    await echoed;
    return this.bot(answer, mark);
  }

  say(text: string, answer: RegExp): Promise<Activity> {
    return this.send({ text }, answer);
  }
}

function connect(s: Session, opts: { webSocket: boolean; resume?: boolean }): DirectLine {
  return new DirectLine({
    domain: s.domain, token: s.token, webSocket: opts.webSocket, pollingInterval: 200,
    ...(opts.resume ? { conversationId: s.conversationId } : {}),
    // Reconnect after 3 s instead of a random 3–15 s, so the restart test is not slow.
    random: () => 0,
  } as ConstructorParameters<typeof DirectLine>[0]);
}

async function ipBlockUntilSummary(user: User): Promise<void> {
  await user.bot(/Kartra support assistant/);
  await user.say('hi, Kartra blocked my IP address and I cannot reach my account', /username/);
  await user.say('jane_doe', /IP address that is blocked/);
  await user.say('198.51.100.23', /What kind of place/);
  await user.say('Hotel', /speedtest\.net/);
  const afterUpload = await user.send({ attachments: [{ contentType: 'image/png', contentUrl: `data:image/png;base64,${PNG.toString('base64')}`, name: 'speed.png' }] }, /email address of your Kartra account/);
  expect(afterUpload).toBeDefined();
  await user.say('jane@example.com', /last things you did/);
  await user.say('I imported three contact lists, then switched to the hotel wifi', /several people use/);
  await user.say('yes', /screenshot of the IP block/);
  await user.say('https://www.loom.com/share/abc123', /VPN/);
  await user.say('no', /Support Code/);
}

async function confirmAndFindTicket(user: User, dataDir: string, url: string): Promise<void> {
  const summary = await user.say("I can't find it", /AdaptiveCard/);
  expect(render(summary)).toContain('IP Blocked');
  // What Web Chat posts when the card's "Open the ticket" (Action.Submit) is clicked.
  const done = await user.send({ value: { summary: 'confirm' } }, /KT-[A-Z0-9]{6}/);
  const reference = /KT-[A-Z0-9]{6}/.exec(render(done))?.[0];

  const { stdout } = await run(process.execPath, [path.resolve(__dirname, '../../dist/scripts/tickets.js'), '--json'], { env: { ...process.env, DATA_DIR: dataDir } });
  const ticket = (JSON.parse(stdout) as { reference: string; subject: string; channel: string; fields: Record<string, string>; attachments: { field: string; name: string; contentType: string; url: string; fileId?: string }[] }[])
    .find((t) => t.reference === reference);
  expect(ticket).toMatchObject({ subject: 'IP Blocked', channel: 'directline', fields: { ip_address: '198.51.100.23', account_email: 'jane@example.com' } });
  expect(ticket?.attachments).toEqual([expect.objectContaining({ field: 'speed_test_screenshot', name: 'speed.png', contentType: 'image/png', fileId: expect.any(String) })]);
  const file = await requestJson((ticket?.attachments[0]?.url ?? '').replace(/^http:\/\/[^/]+/, url), 'GET');
  expect(file.body).toEqual(PNG);
}

describe('botframework-directlinejs against the local endpoint', () => {
  let server: ServerProcess;
  const dataDir = tempDir();
  const connections: DirectLine[] = [];
  beforeAll(async () => { server = await startServer({ DATA_DIR: dataDir, WIDGET_ORIGINS: SHOP }); });
  afterAll(async () => {
    for (const dl of connections) dl.end();
    await server.stop();
  });

  it.each([['WebSocket', true], ['polling', false]])('completes an IP-block conversation with a screenshot upload over %s', async (_name, webSocket) => {
    const s = await session(server.url);
    const dl = connect(s, { webSocket });
    connections.push(dl);
    const user = new User(dl, s.userId);
    await ipBlockUntilSummary(user);
    await confirmAndFindTicket(user, dataDir, server.url);
    expect(dl.connectionStatus$.getValue()).toBe(ConnectionStatus.Online);
  });

  it('a reloaded page carries on the same conversation with its history', async () => {
    const s = await session(server.url);
    const first = connect(s, { webSocket: true });
    connections.push(first);
    const before = new User(first, s.userId);
    await before.bot(/Kartra support assistant/);
    await before.say("I can't log in to my account", /closest to what happens/);
    first.end();

    const again = await session(server.url, { conversationId: s.conversationId, token: s.token });
    expect(again).toMatchObject({ conversationId: s.conversationId, userId: s.userId, resumed: true });
    const reloaded = connect(again, { webSocket: true, resume: true });
    connections.push(reloaded);
    const after = new User(reloaded, again.userId);
    // The whole history comes back (the page shows it again), then the conversation goes on where it was.
    await after.bot(/closest to what happens/);
    expect(after.seen.filter((a) => a.from.id === s.userId).map((a) => (a as Message).text)).toEqual(["I can't log in to my account"]);
    await after.say('Security question', /security question/i);
  });
});

describe('botframework-directlinejs across a server restart', () => {
  it('reconnects on its own from its watermark and the conversation continues', async () => {
    const dataDir = tempDir();
    let server = await startServer({ DATA_DIR: dataDir, WIDGET_ORIGINS: SHOP });
    const s = await session(server.url);
    const dl = connect(s, { webSocket: true });
    try {
      const user = new User(dl, s.userId);
      await user.bot(/Kartra support assistant/);
      await user.say('my ip is blocked', /username/);
      await user.say('jane_doe', /IP address that is blocked/);

      // An open stream must not hold up a clean shutdown.
      expect(await server.stop('SIGTERM')).toBe(0);
      server = await startServer({ DATA_DIR: dataDir, WIDGET_ORIGINS: SHOP, PORT: String(server.port) });

      // The echo only comes back over a stream, so this passing means the client reconnected by itself.
      const before = user.seen.length;
      await user.say('198.51.100.23', /What kind of place/);
      // Nothing seen before the restart came twice.
      const ids = user.seen.map((a) => a.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(user.seen.length).toBeGreaterThan(before);
    } finally {
      dl.end();
      await server.stop();
    }
  }, 60_000);
});
