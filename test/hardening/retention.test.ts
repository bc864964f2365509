// Files go with their conversation: once a widget conversation has been idle for RETENTION_DAYS, its
// history, uploads, transcript and state are deleted; tickets stay.
import { DirectLineSession } from '../directline/session';
import { servedDuringTests, tempDir, testApp } from '../helpers';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('screenshot bytes')]);

describe('retention', () => {
  let now = Date.now();
  const app = testApp(tempDir(), { RETENTION_DAYS: '30', TICKET_RETENTION_DAYS: '60' }, { now: () => now });
  const served = servedDuringTests(app);

  it('deletes an idle conversation with its files, and keeps a recent one', async () => {
    const old = await DirectLineSession.start(served.url);
    const fd = new FormData();
    fd.append('activity', new Blob([JSON.stringify({ type: 'message' })], { type: 'application/vnd.microsoft.activity' }));
    fd.append('file', new Blob([new Uint8Array(PNG)], { type: 'image/png' }), 'shot.png');
    const up = await fetch(`${served.url}/v3/directline/conversations/${old.conversationId}/upload?userId=${old.userId}`, { method: 'POST', headers: { authorization: `Bearer ${old.token}` }, body: fd });
    expect(up.status).toBe(200);
    await app.directLine!.idle();
    const fileUrl = (await old.since()).activities.find((a) => a.attachments?.length)?.attachments?.[0]?.contentUrl ?? '';
    expect((await fetch(fileUrl)).status).toBe(200);

    // A message the bot did not understand, kept for the review inbox.
    await app.store.analytics.record({ conversationId: old.conversationId, channel: 'directline', kind: 'out_of_scope', text: 'blorp my widget' });

    now += 20 * 24 * 3600 * 1000;
    const recent = await DirectLineSession.start(served.url);
    await app.directLine!.idle();
    expect(await app.retention.sweep()).toEqual({ conversations: 0, files: 0, customers: 0, messages: 0, tickets: 0 });

    now += 11 * 24 * 3600 * 1000;
    expect(await app.retention.sweep()).toEqual({ conversations: 1, files: 1, customers: 0, messages: 1, tickets: 0 });
    expect(await app.store.analytics.reviewable()).toEqual([]);
    expect((await fetch(fileUrl)).status).toBe(404);
    expect(await app.directLine!.store.get(old.conversationId)).toBeUndefined();
    expect(await app.services.transcripts.list(old.conversationId)).toEqual([]);
    expect(await app.directLine!.store.get(recent.conversationId)).toBeDefined();
  });

  it('keeps tickets for the ticket retention period after their last change, then deletes them with their delivery records', async () => {
    const ticket = await app.store.tickets.create({
      idempotencyKey: `retention-${now}`, department: 'Support', subject: 'Support request', intent: 'support.contact', channel: 'directline',
      conversationId: 'c-old-ticket', userId: 'u', fields: { details: 'x', account_email: 'old@example.com' }, attachments: [], transcript: [],
    });
    now += 59 * 24 * 3600 * 1000;
    expect((await app.retention.sweep()).tickets).toBe(0);
    now += 2 * 24 * 3600 * 1000;
    expect((await app.retention.sweep()).tickets).toBe(1);
    expect(await app.store.tickets.byReference(ticket.reference)).toBeUndefined();
  });
});
