// Requests that used to stop the server, hang, or let one token make it hold too much: each against the
// real server process, which must answer with a 4xx and a reason and keep serving.
import zlib from 'node:zlib';
import WebSocket from 'ws';
import { DirectLineSession } from '../directline/session';
import { tempDir } from '../helpers';
import { startServer, type ServerProcess } from '../serverProcess';
import { rawExchange, request, upgradeRequest } from './raw';

const UPLOAD_MAX = 64 * 1024;
const PNG_HEAD = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const png = (size: number) => Buffer.concat([PNG_HEAD, Buffer.alloc(size - PNG_HEAD.length, 7)]);

function multipartBody(boundary: string, parts: { headers: string; data: Buffer }[]): Buffer {
  return Buffer.concat([...parts.flatMap((p) => [Buffer.from(`--${boundary}\r\n${p.headers}\r\n\r\n`, 'utf8'), p.data, Buffer.from('\r\n')]), Buffer.from(`--${boundary}--\r\n`)]);
}
const activityPart = { headers: 'Content-Disposition: form-data; name="activity"; filename="blob"\r\nContent-Type: application/vnd.microsoft.activity', data: Buffer.from(JSON.stringify({ type: 'message' })) };
const filePart = (data: Buffer, name = 'shot.png') => ({ headers: `Content-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: image/png`, data });

describe('requests that must not stop or stall the server', () => {
  let server: ServerProcess;
  const alive = async () => (await fetch(`${server.url}/healthz`)).status === 200;
  beforeAll(async () => {
    server = await startServer({
      DATA_DIR: tempDir(), UPLOAD_MAX_BYTES: String(UPLOAD_MAX), UPLOAD_CONVERSATION_MAX_FILES: '2', UPLOAD_TOTAL_MAX_FILES: '6',
      STREAMS_PER_ADDRESS: '30',
    });
  });
  afterAll(async () => {
    const code = await server.stop();
    expect(code).toBe(0);
    // No stack traces, no warnings: every refusal was an answer, not an accident.
    expect(server.errors()).toBe('');
  });

  it.each([
    ['a truncated UTF-8 escape', '/v3/directline/conversations/%E0%A4%A/stream'],
    ['an invalid escape', '/v3/directline/conversations/%ZZ/stream'],
    ['bare % in path and query', '/v3/directline/conversations/%/stream?t=%&watermark=%'],
    ['a malformed target', '//[/'],
    ['an 8,000-character id', `/v3/directline/conversations/${'x'.repeat(8000)}/stream`],
  ])('answers a WebSocket upgrade with %s with a 4xx', async (_label, target) => {
    const answer = await rawExchange(server.port, upgradeRequest(target));
    expect(answer).toMatch(/^HTTP\/1\.1 4\d\d /);
    expect(await alive()).toBe(true);
  });

  it('answers an absolute-form request target it cannot parse with 400', async () => {
    const answer = await rawExchange(server.port, 'GET http://[::1/ HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    // A well-formed absolute-form target is served as its path.
    expect(await rawExchange(server.port, `GET http://127.0.0.1:${server.port}/healthz HTTP/1.1\r\nHost: x\r\n\r\n`)).toMatch(/^HTTP\/1\.1 200 /);
    expect(await alive()).toBe(true);
  });

  it.each(['/api/messages', '/api/directline/token', '/agent/login'])('answers a gzip-labelled body that is not gzip on %s with 400', async (path) => {
    const res = await request(`${server.url}${path}`, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: '{"type":"message"}' });
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/not valid gzip/);
    expect(await alive()).toBe(true);
  });

  it('refuses a gzip bomb by its inflated size (413), and an unknown encoding (415)', async () => {
    const bomb = zlib.gzipSync(Buffer.concat([Buffer.from('{"type":"message","text":"'), Buffer.alloc(50 * 1024 * 1024, 'a'), Buffer.from('"}')]));
    expect(bomb.length).toBeLessThan(512 * 1024);
    const res = await request(`${server.url}/api/messages`, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
    expect(res.status).toBe(413);
    expect(res.body).toMatch(/inflates to more than/);
    const br = await request(`${server.url}/api/messages`, { headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: '{}' });
    expect(br.status).toBe(415);
    // A real gzip body still works.
    const ok = await request(`${server.url}/api/messages`, {
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: zlib.gzipSync(JSON.stringify({ type: 'message', text: 'hi', channelId: 'emulator', deliveryMode: 'expectReplies', serviceUrl: 'http://127.0.0.1:1', conversation: { id: 'gz-1' }, from: { id: 'u' }, recipient: { id: 'bot' } })),
    });
    expect(ok.status).toBe(200);
  });

  it('lets a client finish sending a refused body, so it reads the 413 instead of a broken pipe', async () => {
    // Larger than the socket buffers, so the client is still writing when the server answers.
    const big = Buffer.alloc(6 * 1024 * 1024, 'a');
    for (let i = 0; i < 5; i++) {
      const res = await request(`${server.url}/api/messages`, { headers: { 'content-type': 'application/json', connection: 'close' }, body: big });
      expect(res.status).toBe(413);
    }
  });

  it('answers deeply nested JSON with 400 and the reason', async () => {
    const s = await DirectLineSession.start(server.url);
    for (const [path, headers] of [['/api/messages', {}], [`/v3/directline/conversations/${s.conversationId}/activities`, { authorization: `Bearer ${s.token}` }]] as const) {
      const res = await request(`${server.url}${path}`, { headers: { 'content-type': 'application/json', ...headers }, body: '['.repeat(20_000) + ']'.repeat(20_000) });
      expect(res.status).toBe(400);
      expect(res.body).toMatch(/nested more than 64 levels/);
    }
    expect(await alive()).toBe(true);
  });

  describe('uploads', () => {
    const upload = (s: DirectLineSession, body: Buffer, boundary = 'XyZ') => request(`${server.url}/v3/directline/conversations/${s.conversationId}/upload?userId=${s.userId}`, {
      headers: { authorization: `Bearer ${s.token}`, 'content-type': `multipart/form-data; boundary=${boundary}` }, body, timeoutMs: 5000,
    });

    it('answers a part header with a NUL byte at once (400), not after the request timeout', async () => {
      const s = await DirectLineSession.start(server.url);
      const res = await upload(s, multipartBody('XyZ', [activityPart, { headers: 'Content-Disposition: form-data; name="file"; filename="a\u0000b.png"\r\nContent-Type: image/png', data: png(100) }]));
      expect(res.status).toBe(400);
      expect(res.body).toMatch(/malformed multipart/);
    });

    it('answers a body that ends in the middle of a file, and an activity part nested too deep, with 400', async () => {
      const s = await DirectLineSession.start(server.url);
      const truncated = multipartBody('XyZ', [activityPart, filePart(png(1000))]);
      const cut = await upload(s, truncated.subarray(0, truncated.length - 600));
      expect(cut.status).toBe(400);
      const deep = { headers: activityPart.headers, data: Buffer.from(`{"type":"message","value":${'['.repeat(50_000)}${']'.repeat(50_000)}}`) };
      const nested = await upload(s, multipartBody('XyZ', [deep, filePart(png(1000))]));
      expect(nested.status).toBe(400);
      expect(nested.body).toMatch(/nested more than 64 levels/);
      expect(await alive()).toBe(true);
    });

    it('keeps a UTF-8 file name as sent, and refuses an activity part over 256 KB', async () => {
      const s = await DirectLineSession.start(server.url);
      const named = { headers: 'Content-Disposition: form-data; name="file"; filename="résumé ✓.png"\r\nContent-Type: image/png', data: png(500) };
      const res = await request(`${server.url}/v3/directline/conversations/${s.conversationId}/upload?userId=${s.userId}`, {
        headers: { authorization: `Bearer ${s.token}`, 'content-type': 'multipart/form-data; boundary=XyZ' }, body: multipartBody('XyZ', [activityPart, named]),
      });
      expect(res.status).toBe(200);
      const echo = (await s.since('')).activities.find((a) => a.attachments?.length);
      expect(echo?.attachments?.[0]?.name).toBe('résumé ✓.png');
      const big = { headers: activityPart.headers, data: Buffer.from(JSON.stringify({ type: 'message', text: 'x'.repeat(300 * 1024) })) };
      expect((await upload(s, multipartBody('XyZ', [big]))).status).toBe(413);
    });

    it('accepts a file of exactly the limit and refuses one byte more with the reason, also in the chat', async () => {
      const s = await DirectLineSession.start(server.url);
      expect((await upload(s, multipartBody('XyZ', [activityPart, filePart(png(UPLOAD_MAX))]))).status).toBe(200);
      const over = await upload(s, multipartBody('XyZ', [activityPart, filePart(png(UPLOAD_MAX + 1), 'big.png')]));
      expect(over.status).toBe(413);
      expect(over.body).toMatch(/“big\.png” is larger than the 0\.06 MB limit/);
      expect(await s.botTexts()).toEqual(expect.arrayContaining([expect.stringMatching(/“big\.png” is larger than/)]));
    });

    it('stops one conversation at its quota (413) and everyone at the store quota (429), saying why in the chat', async () => {
      const a = await DirectLineSession.start(server.url);
      for (let i = 0; i < 2; i++) expect((await upload(a, multipartBody('XyZ', [activityPart, filePart(png(1000))]))).status).toBe(200);
      const third = await upload(a, multipartBody('XyZ', [activityPart, filePart(png(1000))]));
      expect(third.status).toBe(413);
      expect(third.body).toMatch(/already has 2 files, the most it can hold/);
      expect(await a.botTexts()).toEqual(expect.arrayContaining([expect.stringMatching(/the most it can hold/)]));

      // The store now holds 2 files (the exact-limit and file-name tests) + these 2; its quota is 6.
      const b = await DirectLineSession.start(server.url);
      expect((await upload(b, multipartBody('XyZ', [activityPart, filePart(png(1000))]))).status).toBe(200);
      expect((await upload(b, multipartBody('XyZ', [activityPart, filePart(png(1000))]))).status).toBe(200);
      const c = await DirectLineSession.start(server.url);
      const full = await upload(c, multipartBody('XyZ', [activityPart, filePart(png(1000))]));
      expect(full.status).toBe(429);
      expect(full.headers['retry-after']).toBe('60');
      expect(full.body).toMatch(/cannot be received right now/);
    });
  });

  describe('streams', () => {
    const open = (url: string) => new Promise<WebSocket | number>((resolve) => {
      const ws = new WebSocket(url);
      ws.on('open', () => resolve(ws));
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(0));
    });

    it('keeps at most 10 streams on one conversation however fast they are opened, and caps one address', async () => {
      const s = await DirectLineSession.start(server.url);
      const opened = await Promise.all(Array.from({ length: 25 }, () => open(s.streamUrl)));
      const sockets = opened.filter((x): x is WebSocket => typeof x !== 'number');
      expect(sockets).toHaveLength(25);
      // Each one over the cap dropped an older one at once: 15 closes arrive, and no more.
      const isOpen = () => sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length;
      while (isOpen() > 10) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(isOpen()).toBe(10);
      // 10 are open from this address; the cap is 30: the next 20 get 20 places and then a 429.
      const more = await Promise.all(Array.from({ length: 25 }, async () => open((await DirectLineSession.start(server.url)).streamUrl)));
      expect(more.filter((x) => x === 429).length).toBe(5);
      for (const ws of [...sockets, ...more]) if (typeof ws !== 'number') ws.terminate();
    });
  });

  it('builds stream and file links from the bound address, never from the Host header', async () => {
    const token = await request(`${server.url}/api/directline/token`, { headers: { 'content-type': 'application/json', host: 'evil.example' }, body: '{}' });
    expect(JSON.parse(token.body)).toMatchObject({ domain: `${server.url}/v3/directline` });
    const t = JSON.parse(token.body) as { token: string };
    const start = await request(`${server.url}/v3/directline/conversations`, { headers: { authorization: `Bearer ${t.token}`, host: 'evil.example' } });
    expect(start.status).toBe(201);
    expect((JSON.parse(start.body) as { streamUrl: string }).streamUrl.startsWith(`${server.url.replace('http', 'ws')}/v3/directline/conversations/`)).toBe(true);
  });
});
