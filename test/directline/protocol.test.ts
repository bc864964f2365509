import type restify from 'restify';
import WebSocket from 'ws';
import type { App } from '../../bot/app';
import { TOKEN_BURST } from '../../bot/web/widgetRoutes';
import { startApp, listen, tempDir, testApp } from '../helpers';
import { DirectLineSession, type ActivitySet, type TokenResponse } from './session';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('a tiny fake png body')]);
const SHOP = 'https://shop.example.com';

/** Opens a stream and collects every ActivitySet it receives. */
function openStream(streamUrl: string, headers: Record<string, string> = {}) {
  const sets: ActivitySet[] = [];
  const ws = new WebSocket(streamUrl, { headers });
  ws.on('message', (data: Buffer) => { if (data.length) sets.push(JSON.parse(data.toString()) as ActivitySet); });
  const opened = new Promise<void>((resolve, reject) => {
    ws.on('open', () => resolve());
    ws.on('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
    ws.on('error', reject);
  });
  const activities = () => sets.flatMap((s) => s.activities);
  /** Resolves once an activity matching `test` has arrived (the test's own timeout bounds the wait). */
  const waitFor = (test: (a: ActivitySet['activities'][number]) => boolean) => new Promise<void>((resolve) => {
    const check = () => { if (activities().some(test)) { ws.off('message', check); resolve(); } };
    ws.on('message', check);
    setImmediate(check);
  });
  return { ws, sets, opened, activities, waitFor };
}

function multipart(activity: unknown, files: { data: Buffer; name: string; type: string }[]): FormData {
  const fd = new FormData();
  fd.append('activity', new Blob([JSON.stringify(activity)], { type: 'application/vnd.microsoft.activity' }));
  for (const f of files) fd.append('file', new Blob([new Uint8Array(f.data)], { type: f.type }), f.name);
  return fd;
}

describe('local Direct Line 3.0 endpoint', () => {
  let now = Date.now();
  const app: App = testApp(tempDir(), { WIDGET_ORIGINS: SHOP }, { now: () => now });
  // The app is made in beforeAll: its channel is read when a test runs.
  const channelOf = () => app.directLine!;
  let server: restify.Server;
  let url = '';
  beforeAll(async () => ({ server, url } = await listen(app)));
  afterAll(async () => { server.close(); await app.close(); });

  it('starts a conversation with a token and an absolute ws:// streamUrl; the bot greets with the topics', async () => {
    const s = await DirectLineSession.start(url);
    expect(s.streamUrl).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/v3/directline/conversations/${s.conversationId}/stream\\?t=`));
    await channelOf().idle();
    const { activities } = await s.since();
    expect(activities).toHaveLength(1);
    expect(activities[0]).toMatchObject({ type: 'message', from: { id: 'kartra-support-bot', role: 'bot' }, id: `${s.conversationId}|0000001` });
    expect(activities[0]?.text).toMatch(/Kartra support assistant/);
    expect(activities[0]?.suggestedActions?.actions.map((a) => a.title)).toEqual(expect.arrayContaining(['My IP address is blocked']));

    // Starting again with the same token is the same conversation, not a second greeting.
    const again = await s.call('POST', '/conversations', {});
    expect(again.status).toBe(201);
    expect(((await again.json()) as { conversationId: string }).conversationId).toBe(s.conversationId);
    await channelOf().idle();
    expect((await s.since()).activities).toHaveLength(1);
  });

  it("echoes the user's activity with its id and clientActivityID, then the bot answers; watermarks page the history", async () => {
    const s = await DirectLineSession.start(url);
    const id = await s.post({ type: 'message', text: 'my IP is blocked', channelData: { clientActivityID: 'client-1' }, from: { id: 'spoofed', name: 'Jane' } });
    expect(id.startsWith(`${s.conversationId}|`)).toBe(true);
    await channelOf().idle();
    const set = await s.since();
    const echo = set.activities.find((a) => a.id === id);
    expect(echo).toMatchObject({ text: 'my IP is blocked', channelData: { clientActivityID: 'client-1' }, from: { id: s.userId, name: 'Jane', role: 'user' } });
    expect(set.activities.at(-1)?.text).toMatch(/username/);
    expect(set.activities.some((a) => a.type === 'typing')).toBe(false);
    expect(await s.since(set.watermark)).toEqual({ activities: [], watermark: set.watermark });
    const middle = Number(set.watermark) - 1;
    expect((await s.since(String(middle))).activities).toHaveLength(1);
  });

  it('streams ActivitySets: the backlog after the watermark, then echoes, typing and replies live', async () => {
    const s = await DirectLineSession.start(url);
    await channelOf().idle();
    const greeted = await s.since();
    const reconnect = (await (await s.call('GET', `/conversations/${s.conversationId}?watermark=0`)).json()) as { streamUrl: string; conversationId: string };
    expect(reconnect.conversationId).toBe(s.conversationId);
    expect(reconnect.streamUrl).toContain('watermark=0');
    const stream = openStream(reconnect.streamUrl);
    await stream.opened;
    await stream.waitFor((a) => a.id === greeted.activities[0]?.id);

    await s.post({ type: 'message', text: "I can't log in", channelData: { clientActivityID: 'c-2' } });
    await stream.waitFor((a) => a.type === 'message' && a.from?.role === 'bot' && /closest to what happens/.test(a.text ?? ''));
    const types = stream.activities().map((a) => `${a.from?.role}:${a.type}`);
    expect(types.slice(0, 4)).toEqual(['bot:message', 'user:message', 'bot:typing', 'bot:message']);
    expect(stream.sets.every((set) => typeof set.watermark === 'string')).toBe(true);
    // Typing is live only: the history a reconnecting page replays has none.
    expect((await s.since()).activities.some((a) => a.type === 'typing')).toBe(false);

    // A proactive message (how a human agent's reply will arrive) reaches the open stream too.
    const reference = { channelId: 'directline', serviceUrl: 'urn:kartra:local-directline', conversation: { id: s.conversationId, isGroup: false, conversationType: 'personal', name: '' }, user: { id: s.userId, name: 'User' }, bot: channelOf().bot };
    await channelOf().adapter.continueConversationAsync('', reference, async (ctx) => { await ctx.sendActivity('Maria from support here, I am looking at your account.'); });
    await stream.waitFor((a) => /Maria from support/.test(a.text ?? ''));
    expect((await s.botTexts()).at(-1)).toMatch(/Maria from support/);
    stream.ws.close();
  });

  it('binds a token to one conversation: it cannot read, post to, upload to or stream another one', async () => {
    const a = await DirectLineSession.start(url);
    const b = await DirectLineSession.start(url);
    await channelOf().idle();
    for (const [method, path, body] of [
      ['GET', `/conversations/${b.conversationId}/activities`, undefined],
      ['POST', `/conversations/${b.conversationId}/activities`, { type: 'message', text: 'hi' }],
      ['GET', `/conversations/${b.conversationId}`, undefined],
    ] as const) {
      const res = await a.call(method, path, body);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: { code: 'Forbidden', message: 'This token is for another conversation.' } });
    }
    const upload = await fetch(`${url}/v3/directline/conversations/${b.conversationId}/upload?userId=${a.userId}`, {
      method: 'POST', headers: { authorization: `Bearer ${a.token}` }, body: multipart({ type: 'message' }, [{ data: PNG, name: 'x.png', type: 'image/png' }]),
    });
    expect(upload.status).toBe(403);
    const stream = openStream(b.streamUrl.replace(/t=[^&]+/, `t=${encodeURIComponent(a.token)}`));
    await expect(stream.opened).rejects.toThrow('refused 403');
    // b's conversation is untouched: still only the greeting.
    expect((await b.since()).activities).toHaveLength(1);
  });

  it('refuses a missing or forged token', async () => {
    const s = await DirectLineSession.start(url);
    const none = await s.call('GET', `/conversations/${s.conversationId}/activities`, undefined, '');
    expect(none.status).toBe(401);
    const [head, payload, sig] = s.token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    const forged = `${head}.${Buffer.from(JSON.stringify({ ...claims, exp: Number(claims.exp) + 86400 })).toString('base64url')}.${sig}`;
    const res = await s.call('GET', `/conversations/${s.conversationId}/activities`, undefined, forged);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: { code: 'Forbidden', message: 'The token is not valid.' } });
  });

  it('expires tokens: 403 TokenExpired, no refresh; a returning page renews its conversation within the grace period', async () => {
    const s = await DirectLineSession.start(url);
    await channelOf().idle();
    const refreshed = await s.call('POST', '/tokens/refresh');
    expect(refreshed.status).toBe(200);
    expect(await refreshed.json()).toMatchObject({ conversationId: s.conversationId, expires_in: 1800 });

    const started = now;
    try {
      now += 31 * 60 * 1000;
      const expired = await s.call('GET', `/conversations/${s.conversationId}/activities`);
      expect(expired.status).toBe(403);
      expect(await expired.json()).toMatchObject({ error: { code: 'TokenExpired' } });
      expect((await s.call('POST', '/tokens/refresh')).status).toBe(403);

      const renewed = (await (await DirectLineSession.token(url, { resume: { conversationId: s.conversationId, token: s.token } })).json()) as TokenResponse;
      expect(renewed).toMatchObject({ conversationId: s.conversationId, userId: s.userId, resumed: true });
      s.token = renewed.token;
      expect((await s.since()).activities[0]?.text).toMatch(/Kartra support assistant/);

      now += 8 * 24 * 3600 * 1000;
      const tooOld = (await (await DirectLineSession.token(url, { resume: { conversationId: s.conversationId, token: s.token } })).json()) as TokenResponse;
      expect(tooOld.resumed).toBe(false);
      expect(tooOld.conversationId).not.toBe(s.conversationId);
    } finally {
      now = started;
    }
  });

  it('answers malformed bodies with 400 and a reason, and keeps serving', async () => {
    const s = await DirectLineSession.start(url);
    const post = (body: unknown) => s.call('POST', `/conversations/${s.conversationId}/activities`, body);
    const cases: [unknown, RegExp][] = [
      ['{"type": "message", "text": ', /Invalid JSON/i],
      [{ text: 'no type' }, /type/],
      [{ type: 'conversationUpdate' }, /type must be "message", "typing" or "event"/],
      [{ type: 'message', text: 'x'.repeat(20_001) }, /text is longer than 20,000 characters/],
      [{ type: 'message', attachments: 'not a list' }, /attachments/],
      [{ type: 'event', name: 'e', value: 'v'.repeat(70_000) }, /larger than 65536 bytes/],
    ];
    for (const [body, reason] of cases) {
      const res = await post(body);
      expect(res.status).toBe(String(reason).includes('larger') ? 413 : 400);
      const answer = (await res.json()) as { error?: { message: string }; message?: string };
      expect(answer.error?.message ?? answer.message).toMatch(reason);
    }
    expect((await s.call('POST', '/conversations', { locale: 42 })).status).toBe(400);
    const token = await DirectLineSession.token(url, { unexpected: true });
    expect(token.status).toBe(400);
    expect(((await token.json()) as { error: string }).error).toMatch(/Invalid request/);
    const notMultipart = await fetch(`${url}/v3/directline/conversations/${s.conversationId}/upload`, {
      method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: '{}',
    });
    expect(notMultipart.status).toBe(400);
    expect(await notMultipart.json()).toEqual({ error: { code: 'BadArgument', message: 'An upload must be multipart/form-data.' } });

    await s.post({ type: 'message', text: 'still there?' });
    await channelOf().idle();
    expect((await s.botTexts()).length).toBeGreaterThanOrEqual(2);
  });

  describe('uploads', () => {
    const upload = (s: DirectLineSession, files: { data: Buffer; name: string; type: string }[]) =>
      fetch(`${url}/v3/directline/conversations/${s.conversationId}/upload?userId=${s.userId}`, {
        method: 'POST', headers: { authorization: `Bearer ${s.token}` },
        body: multipart({ type: 'message', from: { id: s.userId }, channelData: { clientActivityID: 'up-1' } }, files),
      });

    it('keeps the file and posts the activity with a link to it', async () => {
      const s = await DirectLineSession.start(url);
      const res = await upload(s, [{ data: PNG, name: 'speed test.png', type: 'image/png' }]);
      expect(res.status).toBe(200);
      await channelOf().idle();
      const echo = (await s.since()).activities.find((a) => a.channelData?.clientActivityID === 'up-1');
      const att = echo?.attachments?.[0];
      expect(att).toMatchObject({ contentType: 'image/png', name: 'speed test.png' });
      // Built from the bound address, never from the request's Host header.
      expect(att?.contentUrl).toMatch(new RegExp(`^${url}/v3/directline/attachments/[\\w-]{24}$`));
      const file = await fetch(att?.contentUrl ?? '');
      expect(file.status).toBe(200);
      expect(Buffer.from(await file.arrayBuffer())).toEqual(PNG);
      expect(file.headers.get('content-type')).toBe('image/png');
      expect(file.headers.get('x-content-type-options')).toBe('nosniff');
      expect(file.headers.get('content-security-policy')).toContain('sandbox');
      expect((await fetch(`${url}/v3/directline/attachments/not-a-file`)).status).toBe(404);
    });

    it('refuses a file that is not an image or PDF, whatever it claims, and says why in the chat', async () => {
      const s = await DirectLineSession.start(url);
      const res = await upload(s, [{ data: Buffer.from('<svg onload="alert(1)"/>'), name: 'shot.png', type: 'image/png' }]);
      expect(res.status).toBe(415);
      expect(await res.json()).toEqual({ error: { code: 'BadArgument', message: '“shot.png” can\'t be sent: only PNG, JPEG, GIF, WebP or PDF files are accepted.' } });
      await channelOf().idle();
      expect(await s.botTexts()).toEqual(expect.arrayContaining([expect.stringMatching(/only PNG, JPEG, GIF, WebP or PDF/)]));
    });

    it('refuses a file over the size limit, and more files than allowed', async () => {
      const s = await DirectLineSession.start(url);
      const big = Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024)]);
      const res = await upload(s, [{ data: big, name: 'huge.png', type: 'image/png' }]);
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe('“huge.png” is larger than the 5 MB limit. Please send a smaller screenshot.');
      const many = await upload(s, Array.from({ length: 6 }, (_, i) => ({ data: PNG, name: `s${i}.png`, type: 'image/png' })));
      expect(many.status).toBe(413);
    });
  });

  describe('origins (CORS)', () => {
    it('lets configured origins and the bot itself in, with the headers Web Chat needs', async () => {
      const pre = await fetch(`${url}/v3/directline/conversations`, { method: 'OPTIONS', headers: { origin: SHOP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,x-ms-bot-agent' } });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe(SHOP);
      expect(pre.headers.get('access-control-allow-headers')).toMatch(/Authorization.*x-ms-bot-agent/);
      expect((await DirectLineSession.token(url, {}, { origin: SHOP })).headers.get('access-control-allow-origin')).toBe(SHOP);
      expect((await DirectLineSession.token(url, {}, { origin: url })).status).toBe(200);
    });

    it('refuses other origins on the server, not only in the browser', async () => {
      const evil = 'https://evil.example';
      const pre = await fetch(`${url}/api/directline/token`, { method: 'OPTIONS', headers: { origin: evil, 'access-control-request-method': 'POST' } });
      expect(pre.status).toBe(403);
      expect(pre.headers.get('access-control-allow-origin')).toBeNull();
      const token = await DirectLineSession.token(url, {}, { origin: evil });
      expect(token.status).toBe(403);
      expect(((await token.json()) as { error: string }).error).toMatch(/WIDGET_ORIGINS/);
      const s = await DirectLineSession.start(url);
      expect((await s.call('GET', `/conversations/${s.conversationId}/activities`, undefined, s.token, { origin: evil })).status).toBe(403);
      await expect(openStream(s.streamUrl, { origin: evil }).opened).rejects.toThrow('refused 403');
      const ok = openStream(s.streamUrl, { origin: SHOP });
      await ok.opened;
      ok.ws.close();
    });
  });

  it('serves the demo page, the embed script and Web Chat from node_modules (gzipped)', async () => {
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('src="/widget/embed.js"');
    const embed = await fetch(`${url}/widget/embed.js`);
    expect(embed.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await embed.text()).toContain('/api/directline/token');
    const webchat = await fetch(`${url}/widget/webchat.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(webchat.status).toBe(200);
    expect(webchat.headers.get('content-encoding')).toBe('gzip');
    expect(Number(webchat.headers.get('content-length'))).toBeLessThan(1_500_000);
    expect((await webchat.text()).length).toBeGreaterThan(3_000_000);
    const cached = await fetch(`${url}/widget/webchat.js`, { headers: { 'if-none-match': webchat.headers.get('etag') ?? '' } });
    expect(cached.status).toBe(304);
  });
});

describe('the token endpoint under a flood', () => {
  it('answers 429 with a reason once one address has taken its burst', async () => {
    const app = await startApp();
    const { server, url } = await listen(app);
    try {
      const statuses = await Promise.all(Array.from({ length: TOKEN_BURST + 10 }, () => DirectLineSession.token(url).then(async (r) => ({ status: r.status, body: await r.text() }))));
      const refused = statuses.filter((r) => r.status === 429);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0]?.body).toMatch(/exceeded your request rate/);
      expect(statuses.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(TOKEN_BURST);
    } finally {
      server.close();
      await app.close();
    }
  });
});

describe('local Direct Line across a restart', () => {
  it('keeps tokens, history and dialog state, and replays a turn the process never finished', async () => {
    const dir = tempDir();
    const first = await startApp(dir);
    const one = await listen(first);
    const s = await DirectLineSession.start(one.url);
    await s.post({ type: 'message', text: 'my IP is blocked' });
    await first.directLine!.idle();
    const before = await s.since();
    one.server.close();
    await first.close();

    const second = await startApp(dir);
    const two = await listen(second);
    const again = new DirectLineSession(two.url, s.token, s.conversationId, s.userId);
    expect(await again.since()).toEqual(before);
    await again.post({ type: 'message', text: 'jane_doe' });
    await second.directLine!.idle();
    expect((await again.botTexts(before.watermark)).at(-1)).toMatch(/IP address that is blocked/);
    // The process "crashes" after storing the user's next message but before the bot's turn on it.
    const upTo = (await again.since()).watermark;
    await second.directLine!.store.append(s.conversationId, {
      type: 'message', text: '198.51.100.7', channelId: 'directline', serviceUrl: 'urn:kartra:local-directline',
      conversation: { id: s.conversationId, isGroup: false, conversationType: 'personal', name: '' },
      from: { id: s.userId, name: 'User', role: 'user' }, recipient: { ...second.directLine!.bot, role: 'bot' },
    }, true);
    two.server.close();
    await second.close();

    const third = await startApp(dir);
    expect(await third.directLine!.resumePending()).toBe(1);
    await third.directLine!.idle();
    const after = await third.directLine!.store.since(s.conversationId, Number(upTo));
    expect(after.activities.map((a) => a.text)).toEqual(['198.51.100.7', expect.stringMatching(/What kind of place/)]);
    expect(await third.directLine!.resumePending()).toBe(0);
    await third.close();
  });
});
