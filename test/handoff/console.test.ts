import type restify from 'restify';
import WebSocket from 'ws';
import type { App } from '../../bot/app';
import { hashSecret } from '../../bot/agent/secrets';
import { DirectLineSession } from '../directline/session';
import { listen, tempDir, testApp } from '../helpers';

const AGENTS = `Maria=${hashSecret('maria-secret-1')},Tom=${hashSecret('tom-secret-22')}`;

describe('agent console (/agent)', () => {
  let now = Date.now();
  const app: App = testApp(tempDir(), { AGENTS }, { now: () => now });
  let server: restify.Server;
  let url = '';
  beforeAll(async () => ({ server, url } = await listen(app)));
  afterAll(async () => { server.close(); await app.close(); });

  async function signIn(name: string, secret: string): Promise<string | undefined> {
    const res = await fetch(`${url}/agent/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ name, secret }).toString() });
    expect(res.status).toBe(303);
    return /kt_agent=([\w-]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  }
  const as = (cookie: string | undefined, extra: RequestInit = {}): RequestInit => ({ redirect: 'manual', ...extra, headers: { ...(cookie ? { cookie: `kt_agent=${cookie}` } : {}), ...(extra.body ? { 'content-type': 'application/json' } : {}), ...(extra.headers ?? {}) } });

  /** A widget user who asked for a person and finished the hand-off flow. */
  async function waitingUser(): Promise<{ s: DirectLineSession; id: string }> {
    const s = await DirectLineSession.start(url);
    for (const text of ['I need to talk to a person', 'My domain stopped working yesterday', 'jane@example.com', 'AB12CD', 'Open the ticket']) {
      await s.post({ type: 'message', text });
      await app.directLine!.idle();
    }
    const h = (await app.handoff.list()).find((x) => x.conversationId === s.conversationId);
    expect(h?.status).toBe('waiting');
    return { s, id: h?.id ?? '' };
  }

  it('refuses every page and API without a session (sign-in page excepted)', async () => {
    expect((await fetch(`${url}/agent/login`)).status).toBe(200);
    for (const page of ['/agent', '/agent/console.js', '/agent/console.css', '/agent/analytics', '/agent/analytics.js', '/agent/chart.js', '/agent/review', '/agent/review.js']) {
      const res = await fetch(`${url}${page}`, as(undefined));
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/agent/login');
    }
    for (const [method, path] of [['GET', '/agent/api/me'], ['GET', '/agent/api/queue'], ['GET', '/agent/api/events'], ['GET', '/agent/api/handoffs/x'],
      ['POST', '/agent/api/handoffs/x/claim'], ['POST', '/agent/api/handoffs/x/messages'], ['POST', '/agent/api/handoffs/x/typing'],
      ['POST', '/agent/api/handoffs/x/return'], ['POST', '/agent/api/handoffs/x/close'], ['GET', '/agent/api/tickets'], ['POST', '/agent/api/deliveries/x/retry'],
      ['GET', '/agent/api/analytics'], ['GET', '/agent/api/analytics.csv'], ['GET', '/agent/api/review'],
      ['POST', '/agent/api/review/x/assign'], ['POST', '/agent/api/review/x/ignore'], ['GET', '/agent/api/review/decisions'], ['POST', '/agent/api/review/decisions/undo'], ['GET', '/agent/api/rules/reloads'], ['POST', '/agent/api/rules/reload'],
      ['POST', '/agent/api/privacy/export'], ['POST', '/agent/api/privacy/erase'], ['GET', '/agent/api/privacy/audit']] as const) {
      const res = await fetch(`${url}${path}`, as('forged-session-token', { method, ...(method === 'POST' ? { body: '{}' } : {}) }));
      expect([path, res.status]).toEqual([path, 401]);
    }
  });

  it('signs in with a configured name and secret only; sessions expire; sign-out ends them', async () => {
    expect(await signIn('Maria', 'wrong-secret')).toBeUndefined();
    expect(await signIn('Nobody', 'maria-secret-1')).toBeUndefined();
    const cookie = await signIn('maria', 'maria-secret-1');
    expect(cookie).toBeDefined();
    const me = await fetch(`${url}/agent/api/me`, as(cookie));
    expect(await me.json()).toMatchObject({ name: 'Maria' });
    expect((await fetch(`${url}/agent`, as(cookie))).status).toBe(200);

    const started = now;
    now += 8 * 3600 * 1000 + 1000;
    expect((await fetch(`${url}/agent/api/me`, as(cookie))).status).toBe(401);
    now = started;

    const again = await signIn('Maria', 'maria-secret-1');
    expect((await fetch(`${url}/agent/logout`, as(again, { method: 'POST' }))).status).toBe(303);
    expect((await fetch(`${url}/agent/api/me`, as(again))).status).toBe(401);
  });

  it('queue oldest first; only one of two agents racing to claim gets the conversation; actions need JSON from this origin', async () => {
    const maria = await signIn('Maria', 'maria-secret-1');
    const tom = await signIn('Tom', 'tom-secret-22');
    const first = await waitingUser();
    const second = await waitingUser();
    const queue = (await (await fetch(`${url}/agent/api/queue`, as(maria))).json()) as { id: string; status: string; intent: string; channel: string; waitingSeconds: number }[];
    const ids = queue.filter((q) => q.status === 'waiting').map((q) => q.id);
    expect(ids.indexOf(first.id)).toBeLessThan(ids.indexOf(second.id));
    expect(queue.find((q) => q.id === first.id)).toMatchObject({ channel: 'directline', intent: 'handoff.human', waitingSeconds: expect.any(Number) });

    const claims = await Promise.all([maria, tom].map((c) => fetch(`${url}/agent/api/handoffs/${first.id}/claim`, as(c, { method: 'POST', body: '{}' }))));
    expect(claims.map((r) => r.status).sort()).toEqual([204, 409]);
    const winner = claims[0]?.status === 204 ? maria : tom;
    const loser = winner === maria ? tom : maria;
    expect((await fetch(`${url}/agent/api/handoffs/${first.id}/messages`, as(loser, { method: 'POST', body: JSON.stringify({ text: 'hi' }) }))).status).toBe(409);
    const crossSite = await fetch(`${url}/agent/api/handoffs/${first.id}/messages`, as(winner, { method: 'POST', body: JSON.stringify({ text: 'hi' }), headers: { origin: 'https://evil.example' } }));
    expect(crossSite.status).toBe(403);
    const form = await fetch(`${url}/agent/api/handoffs/${first.id}/close`, as(winner, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
    expect(form.status).toBe(403);

    const said = await fetch(`${url}/agent/api/handoffs/${first.id}/messages`, as(winner, { method: 'POST', body: JSON.stringify({ text: 'Hello, <b>I can help</b>' }) }));
    expect(said.status).toBe(204);
    await app.directLine!.idle();
    expect((await first.s.botTexts()).at(-1)).toMatch(/^\*\*(Maria|Tom):\*\* Hello, \\<b\\>I can help\\<\/b\\>$/);
    const view = (await (await fetch(`${url}/agent/api/handoffs/${first.id}`, as(winner))).json()) as { transcript: { role: string; text: string }[]; reference?: unknown };
    expect(view.reference).toBeUndefined();
    expect(view.transcript.map((t) => t.role)).toEqual(expect.arrayContaining(['user', 'bot', 'agent']));
    // The agent's typing reaches the widget's stream as a typing activity.
    const reconnect = (await (await first.s.call('GET', `/conversations/${first.s.conversationId}?watermark=${(await first.s.since()).watermark}`)).json()) as { streamUrl: string };
    const ws = new WebSocket(reconnect.streamUrl);
    const typing = new Promise<void>((resolve) => ws.on('message', (d: Buffer) => { if (d.toString().includes('"typing"')) resolve(); }));
    await new Promise((resolve) => ws.on('open', resolve));
    expect((await fetch(`${url}/agent/api/handoffs/${first.id}/typing`, as(winner, { method: 'POST', body: '{}' }))).status).toBe(204);
    await typing;
    ws.close();
    const empty = await fetch(`${url}/agent/api/handoffs/${first.id}/messages`, as(winner, { method: 'POST', body: JSON.stringify({ text: '  ' }) }));
    expect(empty.status).toBe(400);
  });
});
