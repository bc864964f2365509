// One customer's data, by the account email on their tickets: exported whole, or erased (tickets, the
// conversations that opened them, their files, hand-offs and events, the email kept for their next visit),
// each recorded in an audit that holds the customer as a hash. Another customer's data is untouched.
import fs from 'node:fs';
import path from 'node:path';
import type restify from 'restify';
import { hashSecret } from '../bot/agent/secrets';
import type { App } from '../bot/app';
import { DirectLineSession } from './directline/session';
import { listen, startApp, tempDir } from './helpers';

describe('privacy: export and erase one customer', () => {
  let app: App;
  let server: restify.Server;
  let url = '';
  beforeAll(async () => {
    app = await startApp(tempDir(), { AGENTS: `Lee=${hashSecret('lead-secret-77')}`, WIDGET_TOKENS_PER_SECOND: '1000' });
    ({ server, url } = await listen(app));
  });
  afterAll(async () => { server.close(); await app.close(); });

  async function ticketFor(email: string): Promise<DirectLineSession> {
    const s = await DirectLineSession.start(url);
    for (const activity of [{ text: `When I log in it says "This Kartra account is not active". My login email is ${email}` }, { text: 'SC-5521' }, { value: { summary: 'confirm' } }]) {
      await s.post({ type: 'message', ...activity });
      await app.directLine!.idle();
    }
    return s;
  }

  it('exports, then erases, everything about the customer, and audits both', async () => {
    const ann = await ticketFor('Ann@Example.com');
    const bob = await ticketFor('bob@example.com');
    const login = await fetch(`${url}/agent/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=Lee&secret=lead-secret-77' });
    const cookie = `kt_agent=${/kt_agent=([\w-]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1] ?? ''}`;
    const post = (path: string, body: unknown) => fetch(`${url}/agent/api/privacy/${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    expect((await post('export', { email: 'not an address' })).status).toBe(400);
    const exported = (await (await post('export', { email: 'ann@example.com' })).json()) as { tickets: Array<{ fields: Record<string, string> }>; conversations: Array<{ id: string; transcript: Array<{ text: string }> }> };
    expect(exported.tickets.map((t) => t.fields.account_email)).toEqual(['ann@example.com']);
    expect(exported.conversations.map((c) => c.id)).toEqual([ann.conversationId]);
    expect(exported.conversations[0]?.transcript.some((l) => l.text.includes('Ann@Example.com'))).toBe(true);

    // Asked twice, on the server: what would go and a token, then the erasure with that token only.
    const asked = (await (await post('erase', { email: 'ann@example.com' })).json()) as { preview: Record<string, number>; token: string };
    expect(asked.preview).toEqual({ tickets: 1, conversations: 1, customerRecords: 1 });
    expect((await app.store.tickets.list()).length).toBe(2);
    expect((await post('erase', { email: 'ann@example.com', confirm: true, token: 'x' })).status).toBe(400);
    expect((await post('erase', { email: 'bob@example.com', confirm: true, token: asked.token })).status).toBe(400);
    const erased = await (await post('erase', { email: 'ann@example.com', confirm: true, token: asked.token })).json();
    expect(erased).toMatchObject({ tickets: 1, conversations: 1, customerRecords: 1 });
    expect((erased as { transcriptLines: number }).transcriptLines).toBeGreaterThan(0);
    expect((await app.store.tickets.list()).map((t) => t.fields.account_email)).toEqual(['bob@example.com']);
    expect(await app.services.transcripts.list(ann.conversationId)).toEqual([]);
    expect(await app.directLine!.store.get(ann.conversationId)).toBeUndefined();
    expect((await app.services.transcripts.list(bob.conversationId)).length).toBeGreaterThan(0);
    // Once only: the same token does not erase again (what the customer wrote since would go unasked).
    expect((await post('erase', { email: 'ann@example.com', confirm: true, token: asked.token })).status).toBe(400);
    // Overwritten on disk, not only unlinked (SQLite's secure_delete), and out of the write-ahead log: the
    // erased address is not in the files.
    if (!app.config.DATABASE_URL) {
      const file = ['triage.sqlite', 'triage.sqlite-wal'].map((f) => path.join(app.config.dataDir, f)).filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f).toString('latin1')).join('').toLowerCase();
      expect(file).not.toContain('ann@example.com');
      expect(file).toContain('bob@example.com');
    }
    // Nothing is left to export.
    expect(await (await post('export', { email: 'ann@example.com' })).json()).toMatchObject({ tickets: [], conversations: [] });

    const audit = (await (await fetch(`${url}/agent/api/privacy/audit`, { headers: { cookie } })).json()) as Array<{ by: string; action: string; subject: string }>;
    expect(audit.map((a) => [a.by, a.action])).toEqual([['Lee', 'export'], ['Lee', 'erase'], ['Lee', 'export']]);
    expect(JSON.stringify(audit)).not.toMatch(/ann@example\.com/i);
    expect(new Set(audit.map((a) => a.subject)).size).toBe(1);
    // A keyed hash: a guessed address cannot be checked against the audit.
    expect(audit[0]?.subject).toMatch(/^hmac:[0-9a-f]{32}$/);
    // The outcome stays counted, without what the customer wrote.
    const events = await app.store.connection.db.selectFrom('conversation_events').select(['kind', 'text']).where('conversation_id', '=', ann.conversationId).execute();
    expect(events.some((e) => e.kind === 'ticket')).toBe(true);
    expect(events.every((e) => e.text === null)).toBe(true);
  });

  it('finds an address with "_" in it, and a conversation where it was only typed into a form that was left', async () => {
    const paula = await ticketFor('paula_p@example.com');
    // Only typed: an IP-block form left at its next question.
    const left = await DirectLineSession.start(url);
    for (const text of ['my ip is blocked, my account email is paula_p@example.com', 'paula_p']) {
      await left.post({ type: 'message', text });
      await app.directLine!.idle();
    }
    const other = await ticketFor('paulaxp@example.com');
    // Another customer whose address ends the same way.
    const jane = await DirectLineSession.start(url);
    await jane.post({ type: 'message', text: 'my ip is blocked, my account email is jane.doe_p@example.com' });
    await app.directLine!.idle();
    const login = await fetch(`${url}/agent/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=Lee&secret=lead-secret-77' });
    const cookie = `kt_agent=${/kt_agent=([\w-]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1] ?? ''}`;
    const post = (path: string, body: unknown) => fetch(`${url}/agent/api/privacy/${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const exported = (await (await post('export', { email: 'paula_p@example.com' })).json()) as { tickets: unknown[]; conversations: Array<{ id: string }> };
    expect(exported.tickets).toHaveLength(1);
    expect(exported.conversations.map((c) => c.id).sort()).toEqual([paula.conversationId, left.conversationId].sort());
    const { token } = (await (await post('erase', { email: 'paula_p@example.com' })).json()) as { token: string };
    expect(await (await post('erase', { email: 'paula_p@example.com', confirm: true, token })).json()).toMatchObject({ tickets: 1, conversations: 2 });
    for (const id of [paula.conversationId, left.conversationId]) {
      expect(await app.services.transcripts.list(id)).toEqual([]);
      expect(await app.directLine!.store.get(id)).toBeUndefined();
    }
    const state = await app.store.connection.db.selectFrom('bot_state').select('key').execute();
    expect(state.filter((r) => r.key.includes(left.conversationId) || r.key.includes(paula.conversationId))).toEqual([]);
    // "_" is a letter here, not a wildcard: paulaxp keeps everything.
    expect((await app.store.tickets.list()).map((t) => t.fields.account_email)).toContain('paulaxp@example.com');
    expect((await app.services.transcripts.list(other.conversationId)).length).toBeGreaterThan(0);
    // An address is matched whole: doe_p@… is not in jane.doe_p@….
    expect(await (await post('export', { email: 'doe_p@example.com' })).json()).toMatchObject({ tickets: [], conversations: [] });
    expect((await app.services.transcripts.list(jane.conversationId)).length).toBeGreaterThan(0);
  });

  it('with LEADS set, only a lead may export, erase, teach the bot or reload the rules', async () => {
    const both = await startApp(tempDir(), { AGENTS: `Lee=${hashSecret('lead-secret-77')},Ana=${hashSecret('agent-secret-77')}`, LEADS: 'Lee' });
    const { server: s2, url: u2 } = await listen(both);
    try {
      const signIn = async (name: string, secret: string) => {
        const res = await fetch(`${u2}/agent/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `name=${name}&secret=${secret}` });
        return `kt_agent=${/kt_agent=([\w-]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? ''}`;
      };
      const ana = await signIn('Ana', 'agent-secret-77');
      const lee = await signIn('Lee', 'lead-secret-77');
      const post = (cookie: string, path: string, body: unknown) => fetch(`${u2}${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      for (const [path, body] of [['/agent/api/privacy/export', { email: 'x@example.com' }], ['/agent/api/privacy/erase', { email: 'x@example.com' }], ['/agent/api/rules/reload', {}],
        ['/agent/api/review/k/assign', { intent: 'ip_block' }], ['/agent/api/review/k/ignore', {}], ['/agent/api/review/decisions/undo', { by: 'Lee', at: new Date().toISOString() }]] as const) {
        const res = await post(ana, path, body);
        expect([path, res.status, ((await res.json()) as { error: string }).error]).toEqual([path, 403, 'Only a lead can do this (see LEADS).']);
      }
      expect((await fetch(`${u2}/agent/api/privacy/audit`, { headers: { cookie: ana } })).status).toBe(403);
      // The page is told who leads, to show only what they may do.
      expect(await (await fetch(`${u2}/agent/api/me`, { headers: { cookie: ana } })).json()).toMatchObject({ name: 'Ana', lead: false });
      expect(await (await fetch(`${u2}/agent/api/me`, { headers: { cookie: lee } })).json()).toMatchObject({ name: 'Lee', lead: true });
      // Reading the inbox and the figures is for every agent.
      expect((await fetch(`${u2}/agent/api/review`, { headers: { cookie: ana } })).status).toBe(200);
      expect((await fetch(`${u2}/agent/api/analytics`, { headers: { cookie: ana } })).status).toBe(200);
      expect((await post(lee, '/agent/api/privacy/export', { email: 'x@example.com' })).status).toBe(200);
    } finally {
      s2.close();
      await both.close();
    }
  });
});
