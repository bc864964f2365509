// The store port's contract, on both engines: SQLite (the embedded default) and a real PostgreSQL server
// started by the test run. Concurrency cases run with two connections, as two instances would.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { connect, migrate, type Connection } from '../../bot/store/connect';
import { openStore, type Store } from '../../bot/store';
import { secretSetting } from '../../bot/store/settings';
import { TurnUnit } from '../../bot/store/turnUnit';
import { ENGINES, freshLocation, type Engine } from './engines';

const newTicket = (key: string) => ({
  idempotencyKey: key, department: 'Support', subject: 'Login problem', intent: 'login.cant_login', channel: 'directline',
  conversationId: 'c1', userId: 'u1', fields: { account_email: 'jo@example.com' }, attachments: [], transcript: [],
});
const handoffRequest = (conversationId: string) => ({
  conversationId, channel: 'directline', reference: { conversation: { id: conversationId } }, intent: 'ip_block', reason: 'user_request', fields: { username: 'jo' },
});

describe.each(ENGINES)('store on %s', (engine: Engine) => {
  let location: Awaited<ReturnType<typeof freshLocation>>;
  let store: Store;
  let other: Store;
  let now = Date.parse('2026-11-26T10:00:00Z');
  beforeAll(async () => {
    location = await freshLocation(engine);
    store = await openStore(location, { instanceId: 'a', now: () => now });
    // SQLite is the one-process engine: one connection, which runs transactions one at a time. Two
    // connections in one process would wait on each other's locks while blocking the thread that could
    // release them. Several instances mean PostgreSQL.
    other = engine === 'postgres' ? await openStore(location, { instanceId: 'b', now: () => now }) : store;
  });
  afterAll(async () => { await store.close(); if (other !== store) await other.close(); });

  it('migrations are versioned and recorded: a second run applies nothing, two at once (PostgreSQL) apply each once', async () => {
    const fresh = await freshLocation(engine);
    const [x, y]: Connection[] = [connect(fresh), connect(fresh)];
    try {
      const applied = engine === 'postgres' ? await Promise.all([migrate(x), migrate(y)]) : [await migrate(x), await migrate(y)];
      expect(applied.flat().sort()).toEqual(['0001_initial', '0002_presence_and_turn_marks', '0003_ticket_deliveries', '0004_conversation_events', '0005_review_and_training', '0006_rule_reloads', '0007_privacy_audit']);
      expect(await migrate(x)).toEqual([]);
    } finally { await x.close(); await y.close(); }
  });

  it('tickets: the same idempotency key from two instances at once is one ticket; updates and lookups', async () => {
    const [t1, t2] = await Promise.all([store.tickets.create(newTicket('k1')), other.tickets.create(newTicket('k1'))]);
    expect(t1.reference).toBe(t2.reference);
    expect(t1.reference).toMatch(/^KT-[A-HJ-NP-Z2-9]{6}$/);
    expect((await store.tickets.list()).filter((t) => t.idempotencyKey === 'k1')).toHaveLength(1);
    const at = '2026-11-26T10:00:00.000Z';
    const updated = await other.tickets.update(t1.reference, { status: 'resolved', transcript: [{ role: 'user', text: 'hi', attachments: [], at }] });
    expect(updated).toMatchObject({ status: 'resolved', transcript: [{ role: 'user', text: 'hi' }] });
    expect(await store.tickets.byReference(t1.reference)).toMatchObject({ fields: { account_email: 'jo@example.com' }, status: 'resolved' });
    const open = await store.tickets.create({ ...newTicket('k2'), conversationId: 'c9' });
    expect((await store.tickets.openFor('c9'))?.reference).toBe(open.reference);
    expect(await store.tickets.openFor('nobody')).toBeUndefined();
  });

  it('outbox: a ticket and its deliveries are written together; instances claiming at once never take the same one', async () => {
    const plan = () => [{ kind: 'email' as const, target: 'help@example.com' }, { kind: 'webhook' as const, target: 'https://example.com/hook' }];
    store.tickets.plan = plan;
    other.tickets.plan = plan;
    const started = now;
    try {
      const tickets = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? other : store).tickets.create(newTicket(`outbox-${i}`))));
      // A replayed creation (same key) adds no deliveries.
      await store.tickets.create(newTicket('outbox-0'));
      const planned = [...(await store.deliveries.forTickets(tickets.map((t) => t.id))).values()].flat();
      expect(planned).toHaveLength(60);
      expect(planned.every((d) => d.status === 'pending' && d.attempts === 0)).toBe(true);
      const claims = await Promise.all([store, other, store, other].map(async (s) => {
        const mine: string[] = [];
        for (let batch = await s.deliveries.claim(7, 60_000); batch.length; batch = await s.deliveries.claim(7, 60_000)) mine.push(...batch.map((d) => d.id));
        return mine;
      }));
      const claimed = claims.flat();
      expect(claimed).toHaveLength(60);
      expect(new Set(claimed).size).toBe(60);
      // Leased: nobody takes them again until the lease runs out (a crashed sender's).
      expect(await other.deliveries.claim(100, 60_000)).toEqual([]);
      now += 61_000;
      const again = await other.deliveries.claim(100, 60_000);
      expect(again).toHaveLength(60);
      expect(again.every((d) => d.attempts === 2)).toBe(true);
      for (const d of again) await store.deliveries.delivered(d.id);
      // A late failure from a sender whose lease ran out does not undo a delivery.
      await store.deliveries.retryAt(again[0]?.id ?? '', now, 'late');
      expect((await store.deliveries.get(again[0]?.id ?? ''))?.status).toBe('delivered');
    } finally {
      store.tickets.plan = () => [];
      other.tickets.plan = () => [];
      now = started;
    }
  });

  it('bot state: round trip with eTags; a stale eTag is refused; delete', async () => {
    await store.state.write({ 'conv/1': { dialog: { step: 2 }, eTag: '*' } });
    const read = await other.state.read(['conv/1', 'missing']);
    expect(read['conv/1']).toMatchObject({ dialog: { step: 2 } });
    expect(read.missing).toBeUndefined();
    const eTag = (read['conv/1'] as { eTag: string }).eTag;
    await other.state.write({ 'conv/1': { dialog: { step: 3 }, eTag } });
    await expect(store.state.write({ 'conv/1': { dialog: { step: 4 }, eTag } })).rejects.toThrow(/eTag conflict/);
    expect((await store.state.read(['conv/1']))['conv/1']).toMatchObject({ dialog: { step: 3 } });
    await store.state.delete(['conv/1']);
    expect(await store.state.read(['conv/1'])).toEqual({});
  });

  it('transcripts: lines in order with their numbers, from both instances', async () => {
    const at = '2026-11-26T10:00:00.000Z';
    for (let i = 0; i < 6; i++) await (i % 2 ? other : store).transcripts.append('t1', { role: i % 2 ? 'bot' : 'user', text: `line ${i}`, attachments: [], at });
    const lines = await store.transcripts.entries('t1', 0);
    expect(lines.map((l) => l.text)).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
    expect(await other.transcripts.lastSeq('t1')).toBe(lines.at(-1)?.seq);
    expect((await store.transcripts.entries('t1', lines[3]!.seq)).map((l) => l.text)).toEqual(['line 4', 'line 5']);
  });

  it('Direct Line: appends from two instances at once are numbered 1..n without gaps or repeats', async () => {
    expect((await store.directLine.create('dl1', 'u1')).created).toBe(true);
    expect((await other.directLine.create('dl1', 'u1')).created).toBe(false);
    await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? other : store).directLine.append('dl1', { type: 'message', text: `m${i}` })));
    const page = await store.directLine.since('dl1', 0);
    expect(page.activities).toHaveLength(60);
    expect(page.activities.map((a) => Number(a.id?.split('|')[1]))).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(new Set(page.activities.map((a) => a.text)).size).toBe(60);
    expect(page.watermark).toBe('60');
    expect(await other.directLine.since('dl1', 60)).toEqual({ activities: [], watermark: '60' });
    expect(await other.directLine.get('dl1')).toMatchObject({ userId: 'u1', activities: 60 });
  });

  it('Direct Line: a user activity stays pending until its turn commits; the commit writes the whole turn', async () => {
    await store.directLine.create('dl2', 'u2');
    const { watermark } = await store.directLine.append('dl2', { type: 'message', text: 'my ip is blocked', from: { id: 'u2', name: '', role: 'user' } }, true);
    const seq = Number(watermark);
    expect(await other.directLine.isPending('dl2', seq)).toBe(true);
    expect((await other.directLine.pending()).map((a) => a.text)).toContain('my ip is blocked');

    const unit = new TurnUnit('dl2', { kind: 'directline', seq });
    unit.state.push({ 'dl2/state': { step: 'username', eTag: '*' } });
    unit.transcript.push({ role: 'user', text: 'my ip is blocked', attachments: [], at: '2026-11-26T10:00:00.000Z' });
    unit.activities.push({ type: 'message', text: 'What is your Kartra account username?' });
    const stored = await store.commitTurn(unit);
    expect(stored.map((a) => a.id)).toEqual([`dl2|${String(seq + 1).padStart(7, '0')}`]);
    expect(await other.directLine.isPending('dl2', seq)).toBe(false);
    expect((await other.state.read(['dl2/state']))['dl2/state']).toMatchObject({ step: 'username' });
    expect((await other.transcripts.entries('dl2', 0)).map((l) => l.text)).toEqual(['my ip is blocked']);
  });

  it('a turn whose commit fails has written nothing of it', async () => {
    await store.directLine.create('dl3', 'u3');
    const { watermark } = await store.directLine.append('dl3', { type: 'message', text: 'hello' }, true);
    const unit = new TurnUnit('dl3', { kind: 'directline', seq: Number(watermark) });
    unit.transcript.push({ role: 'user', text: 'hello', attachments: [], at: '2026-11-26T10:00:00.000Z' });
    unit.activities.push({ type: 'message', text: 'Hi!' });
    // A reply for a conversation that does not exist fails the transaction half-way through.
    const broken = new TurnUnit('nope', unit.done);
    broken.transcript.push(...unit.transcript);
    broken.activities.push(...unit.activities);
    await expect(store.commitTurn(broken)).rejects.toThrow();
    expect(await store.transcripts.entries('nope', 0)).toEqual([]);
    expect(await store.directLine.isPending('dl3', Number(watermark))).toBe(true);
  });

  it('HTTP turns: the done mark makes a redelivered activity recognisable', async () => {
    const unit = new TurnUnit('teams1', { kind: 'http', activityId: 'act-1' });
    expect(await store.turnDone('teams1', 'act-1')).toBe(false);
    await store.commitTurn(unit);
    await other.commitTurn(new TurnUnit('teams1', { kind: 'http', activityId: 'act-1' }));
    expect(await other.turnDone('teams1', 'act-1')).toBe(true);
  });

  it('hand-offs: one open per conversation; two agents claiming at once, exactly one gets it', async () => {
    const first = await store.handoffs.open(handoffRequest('h1'));
    const again = await other.handoffs.open({ ...handoffRequest('h1'), fields: { ip: '8.8.8.8' } });
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, handoff: { id: first.handoff.id, fields: { username: 'jo', ip: '8.8.8.8' } } });
    await store.handoffs.open(handoffRequest('h2'));
    expect(await store.handoffs.position((await store.handoffs.openFor('h2'))!)).toBe(1);
    const claims = await Promise.all([store.handoffs.claim(first.handoff.id, 'ann'), other.handoffs.claim(first.handoff.id, 'bob')]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect((await store.handoffs.list()).map((h) => h.conversationId)).toEqual(['h2', 'h1']);
    expect(await other.handoffs.end(first.handoff.id, 'returned')).toMatchObject({ status: 'returned' });
    expect(await store.handoffs.end(first.handoff.id, 'closed')).toBeUndefined();
    expect(await store.handoffs.openFor('h1')).toBeUndefined();
  });

  it('agent presence is shared across instances and expires without heartbeats', async () => {
    await store.presence.here('s1', 'ann');
    await other.presence.here('s2', 'bob');
    await other.presence.here('s3', 'bob');
    expect(await store.presence.online()).toBe(2);
    now += 30_000;
    await store.presence.heartbeat(['s1']);
    now += 30_000;
    expect(await other.presence.online()).toBe(1);
    await store.presence.gone('s1');
    expect(await other.presence.online()).toBe(0);
  });

  it('agent sessions: stored as hashes, expire, and end on sign-out on any instance', async () => {
    const token = await store.agentSessions.create('ann');
    expect(await other.agentSessions.agent(token)).toBe('ann');
    expect(await other.agentSessions.active(store.agentSessions.id(token))).toBe(true);
    await other.agentSessions.destroy(token);
    expect(await store.agentSessions.agent(token)).toBeUndefined();
    const later = await store.agentSessions.create('bob');
    now += 9 * 3600_000;
    expect(await other.agentSessions.agent(later)).toBeUndefined();
  });

  it('files: bytes kept exactly; usage per conversation and in all', async () => {
    const data = Buffer.from([0, 1, 2, 255, 137, 80, 78, 71]);
    const saved = await store.files.save({ conversationId: 'f1', name: 'shot.png', contentType: 'image/png', data });
    const got = await other.files.get(saved.id);
    expect(got?.data.equals(data)).toBe(true);
    expect(await other.files.usage('f1')).toEqual({ files: 1, bytes: data.length });
    expect(await other.files.idFromUrl(`https://anywhere.example/v3/directline/attachments/${saved.id}`)).toBe(saved.id);
  });

  it('a secret setting made by instances starting together is one value', async () => {
    const [a, b] = await Promise.all([secretSetting(store.connection.db, 'signing_key'), secretSetting(other.connection.db, 'signing_key')]);
    expect(a.equals(b)).toBe(true);
    expect(a).toHaveLength(32);
  });
});

describe('an embedded database from before the store port', () => {
  it('is adopted with its data: tickets and Direct Line history, whose numbering goes on', async () => {
    // As a deployment upgrading in place has it: the tables the synchronous stores created, with rows.
    const { dataDir } = await freshLocation('sqlite');
    const old = new Database(path.join(dataDir, 'triage.sqlite'));
    old.exec(fs.readFileSync(path.join(__dirname, 'fixtures/before-store-port.sql'), 'utf8'));
    old.close();
    const ticket = { reference: 'KT-OLD234' };

    const store = await openStore({ dataDir }, { instanceId: 'a' });
    try {
      expect(await store.tickets.byReference(ticket.reference)).toMatchObject({ idempotencyKey: 'old-1', fields: { account_email: 'jo@example.com' } });
      expect((await store.directLine.since('old-dl', 0)).activities.map((a) => a.text)).toEqual(['one', 'two']);
      const { watermark } = await store.directLine.append('old-dl', { type: 'message', text: 'three' });
      expect(watermark).toBe('3');
    } finally { await store.close(); }
  });
});
