import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type restify from 'restify';
import type { App } from '../../bot/app';
import { startApp, listen, tempDir } from '../helpers';

const SECRET = 'dl-secret-that-must-never-reach-a-browser';

/** Stands in for Azure's Direct Line token API (the only part of Azure this path talks to). */
function fakeDirectLineService() {
  const calls: { path: string; authorization: string; body: string }[] = [];
  let failing = false;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      calls.push({ path: req.url ?? '', authorization: req.headers.authorization ?? '', body });
      const known = req.headers.authorization === `Bearer ${SECRET}` || req.headers.authorization === 'Bearer azure-token-1';
      res.statusCode = failing ? 500 : known ? 200 : 403;
      res.setHeader('content-type', 'application/json');
      res.end(res.statusCode === 200 ? JSON.stringify({ conversationId: 'azure-conv-1', token: req.url?.endsWith('refresh') ? 'azure-token-2' : 'azure-token-1', expires_in: 3600 }) : '{}');
    });
  });
  return { server, calls, fail: (f: boolean) => { failing = f; } };
}

describe('production mode: the widget talks to Azure Direct Line', () => {
  const azure = fakeDirectLineService();
  let app: App;
  let server: restify.Server;
  let url = '';
  let endpoint = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => azure.server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(azure.server.address() as AddressInfo).port}/v3/directline`;
    app = await startApp(tempDir(), { DIRECT_LINE_SECRET: SECRET, DIRECT_LINE_ENDPOINT: endpoint });
    ({ server, url } = await listen(app));
  });
  afterAll(async () => { server.close(); azure.server.close(); await app.close(); });

  const token = (body: unknown = {}) => fetch(`${url}/api/directline/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('exchanges the secret server-side and gives the page only a conversation token and the Azure domain', async () => {
    const res = await token();
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    expect(text).not.toContain(SECRET);
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(body).toEqual({ token: 'azure-token-1', conversationId: 'azure-conv-1', userId: expect.stringMatching(/^dl_/), expiresIn: 3600, domain: endpoint, resumed: false, visitor: expect.any(String) });
    const call = azure.calls.at(-1);
    expect(call).toMatchObject({ path: '/v3/directline/tokens/generate', authorization: `Bearer ${SECRET}` });
    expect(JSON.parse(call?.body ?? '{}')).toEqual({ user: { id: body.userId } });
  });

  it('a returning page renews its Azure token instead of starting over', async () => {
    const res = await token({ resume: { conversationId: 'azure-conv-1', token: 'azure-token-1', userId: 'dl_returning' } });
    expect(await res.json()).toMatchObject({ token: 'azure-token-2', conversationId: 'azure-conv-1', userId: 'dl_returning', resumed: true });
    expect(azure.calls.at(-1)).toMatchObject({ path: '/v3/directline/tokens/refresh', authorization: 'Bearer azure-token-1' });
  });

  it('says clearly when Azure cannot be reached, and never serves the secret in any page or script', async () => {
    azure.fail(true);
    try {
      const res = await token();
      expect(res.status).toBe(502);
      expect(await res.json()).toEqual({ error: 'The chat service is not reachable right now. Please try again in a minute.' });
    } finally {
      azure.fail(false);
    }
    for (const path of ['/', '/widget/embed.js', '/widget/webchat.js']) {
      expect(await (await fetch(`${url}${path}`)).text()).not.toContain(SECRET);
    }
  });

  it('does not serve the local Direct Line endpoint', async () => {
    const res = await fetch(`${url}/v3/directline/conversations`, { method: 'POST', headers: { authorization: 'Bearer x' } });
    expect(res.status).toBe(404);
    expect(app.directLine).toBeUndefined();
  });
});
