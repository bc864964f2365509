// Moving an embedded deployment to PostgreSQL: `npm run migrate:copy` copies every table of the SQLite
// store under DATA_DIR into an empty PostgreSQL database, which then serves the same data; numbering goes
// on after the copied rows. A second copy into the same database is refused.
import { openStore } from '../../bot/store';
import { secretSetting } from '../../bot/store/settings';
import { TurnUnit } from '../../bot/store/turnUnit';
import { npmRun } from '../npmRun';
import { freshLocation } from './engines';

describe('npm run migrate:copy (SQLite to PostgreSQL)', () => {
  it('copies every table; the PostgreSQL store serves the same data and numbers on; a second copy is refused', async () => {
    const sqlite = await freshLocation('sqlite');
    const at = '2026-11-26T10:00:00.000Z';
    const source = await openStore(sqlite, { instanceId: 'old' });
    const ticket = await source.tickets.create({
      idempotencyKey: 'k1', department: 'Billing', subject: 'Billing question', intent: 'billing.subscription', channel: 'directline',
      conversationId: 'dl1', userId: 'u1', fields: { account_email: 'jo@example.com' }, attachments: [], transcript: [{ role: 'user', text: 'charged twice', attachments: [], at }],
    });
    await source.directLine.create('dl1', 'u1');
    const turn = new TurnUnit('dl1');
    turn.state.push({ 'directline/conversations/dl1/': { dialogState: { step: 3 }, eTag: '*' } });
    turn.transcript.push({ role: 'user', text: 'charged twice', attachments: [], at }, { role: 'bot', text: 'Billing ticket?', attachments: [], at });
    turn.activities.push({ type: 'message', text: 'one' }, { type: 'message', text: 'two' });
    await source.commitTurn(turn);
    const file = await source.files.save({ conversationId: 'dl1', name: 'shot.png', contentType: 'image/png', data: Buffer.from([137, 80, 78, 71, 0, 255]) });
    const { handoff } = await source.handoffs.open({ conversationId: 'dl1', channel: 'directline', reference: { conversation: { id: 'dl1' } }, intent: 'billing.subscription', reason: 'user_request', fields: {} });
    const session = await source.agentSessions.create('Maria');
    const key = await secretSetting(source.connection.db, 'directline_signing_key');
    await source.close();

    const { databaseUrl } = await freshLocation('postgres');
    const env = { DATA_DIR: sqlite.dataDir, DATABASE_URL: databaseUrl as string };
    const run = await npmRun(['migrate:copy'], '', env);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/tickets\s+1\n[\s\S]*transcript_entries\s+2\n[\s\S]*files\s+1\n[\s\S]*dl_activities\s+2\n/);

    const target = await openStore({ dataDir: sqlite.dataDir, databaseUrl: databaseUrl as string }, { instanceId: 'new' });
    try {
      expect(await target.tickets.byReference(ticket.reference)).toEqual(ticket);
      expect((await target.state.read(['directline/conversations/dl1/']))['directline/conversations/dl1/']).toMatchObject({ dialogState: { step: 3 } });
      expect((await target.directLine.since('dl1', 0)).activities.map((a) => a.text)).toEqual(['one', 'two']);
      expect((await target.directLine.append('dl1', { type: 'message', text: 'three' })).watermark).toBe('3');
      const lines = await target.transcripts.entries('dl1', 0);
      expect(lines.map((l) => l.text)).toEqual(['charged twice', 'Billing ticket?']);
      await target.transcripts.append('dl1', { role: 'user', text: 'after the move', attachments: [], at });
      expect((await target.transcripts.entries('dl1', lines[1]!.seq)).map((l) => l.text)).toEqual(['after the move']);
      expect((await target.files.get(file.id))?.data.equals(Buffer.from([137, 80, 78, 71, 0, 255]))).toBe(true);
      expect(await target.handoffs.get(handoff.id)).toMatchObject({ status: 'waiting', conversationId: 'dl1' });
      expect(await target.agentSessions.agent(session)).toBe('Maria');
      expect((await secretSetting(target.connection.db, 'directline_signing_key')).equals(key)).toBe(true);
    } finally { await target.close(); }

    const again = await npmRun(['migrate:copy'], '', env);
    expect(again).toMatchObject({ code: 1, stderr: expect.stringMatching(/already has data/) });
  }, 60_000);
});
