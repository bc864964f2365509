// A returning customer is offered the account email of their last ticket, never assumed to have it: a
// widget visitor coming back in the same browser (its visitor pass) and a Teams user (by their account).
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { sql } from 'kysely';
import { fakeConnector } from '../conversations/driver';
import { servedDuringTests, tempDir, testApp } from '../helpers';
import { DirectLineSession } from './session';

describe('returning customers', () => {
  const app = testApp(tempDir(), { WIDGET_TOKENS_PER_SECOND: '1000' });
  const served = servedDuringTests(app);

  async function say(s: DirectLineSession, activity: Record<string, unknown>): Promise<string[]> {
    const { watermark } = await s.since();
    await s.post({ type: 'message', ...activity });
    await app.directLine!.idle();
    return s.botTexts(watermark);
  }

  async function openTicket(s: DirectLineSession, email: string): Promise<void> {
    await say(s, { text: `When I log in it says "This Kartra account is not active". My login email is ${email}` });
    await say(s, { text: 'SC-5521' });
    expect((await say(s, { value: { summary: 'confirm' } })).join(' ')).toMatch(/Your ticket is open/);
  }

  const userRows = async () => (await sql<{ key: string }>`SELECT key FROM bot_state WHERE key LIKE ${'%/users/%'}`.execute(app.store.connection.db)).rows.map((r) => r.key);

  it('a visitor back in the same browser is offered the email of their last ticket; yes uses it, no asks', async () => {
    const first = await DirectLineSession.start(served.url);
    expect(first.visitor).toBeDefined();
    // Nothing is kept about a visitor who has not opened a ticket.
    await say(first, { text: 'hello' });
    expect(await userRows()).toEqual([]);
    await openTicket(first, 'sam@example.com');
    expect(await userRows()).toEqual([`directline/users/${first.userId}/`]);

    const back = await DirectLineSession.start(served.url, first.visitor);
    expect(back.userId).toBe(first.userId);
    expect(back.conversationId).not.toBe(first.conversationId);
    expect(await say(back, { text: 'my account is not active' })).toEqual([
      expect.stringMatching(/^The message \*\*"This Kartra account is not active"\*\*/),
      'Last time you gave sam@example\\.com as the email address of your Kartra account. Is it the same this time?',
    ]);
    expect(await say(back, { text: 'yes' })).toEqual([expect.stringMatching(/^What is your Support Code\?/)]);

    const declines = await DirectLineSession.start(served.url, first.visitor);
    await say(declines, { text: 'my account is not active' });
    expect(await say(declines, { text: 'no, a different one' })).toEqual(['What is the email address of your Kartra account?']);

    // Answered with another address: that address is the answer.
    const other = await DirectLineSession.start(served.url, first.visitor);
    await say(other, { text: 'my account is not active' });
    expect(await say(other, { text: 'its sam.new@example.com now' })).toEqual([expect.stringMatching(/^What is your Support Code\?/)]);
    await say(other, { text: 'SC-1234' });
    await say(other, { value: { summary: 'confirm' } });
    const tickets = (await app.store.tickets.list()).filter((t) => t.conversationId === other.conversationId);
    expect(tickets.map((t) => t.fields.account_email)).toEqual(['sam.new@example.com']);
  });

  it('a pass that is forged, altered or from elsewhere is a new visitor, offered nothing', async () => {
    const first = await DirectLineSession.start(served.url);
    await openTicket(first, 'kim@example.com');
    const [head, body, signature] = (first.visitor ?? '').split('.');
    const claims = JSON.parse(Buffer.from(body ?? '', 'base64url').toString()) as Record<string, unknown>;
    const altered = `${head}.${Buffer.from(JSON.stringify({ ...claims, visitor: 'dl_someone_else' })).toString('base64url')}.${signature}`;
    const elsewhere = jwt.sign({ visitor: first.userId }, crypto.randomBytes(32), { algorithm: 'HS256', issuer: 'kartra-triage-bot/visitor' });
    for (const pass of [altered, elsewhere, 'not-a-pass']) {
      const s = await DirectLineSession.start(served.url, pass);
      expect(s.userId).not.toBe(first.userId);
      await say(s, { text: 'my account is not active' });
      expect((await s.botTexts()).join('\n')).not.toContain('kim@example.com');
    }
  });

  it('a Teams user is offered the email of their last ticket in a new conversation', async () => {
    const connector = await fakeConnector();
    try {
      const user = { id: `29:1${crypto.randomBytes(8).toString('hex')}`, name: 'Teams User', aadObjectId: crypto.randomUUID() };
      const post = async (conversation: string, fields: Record<string, unknown>) => {
        const res = await fetch(`${served.url}/api/messages`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            type: 'message', id: crypto.randomUUID(), channelId: 'msteams', serviceUrl: connector.url, deliveryMode: 'expectReplies',
            conversation: { id: conversation, conversationType: 'personal' }, from: user, recipient: { id: 'bot', name: 'Kartra Support' },
            channelData: { tenant: { id: 't1' } }, ...fields,
          }),
        });
        return ((await res.json()) as { activities: Array<{ text?: string }> }).activities.map((a) => a.text ?? '').filter(Boolean);
      };
      const one = `a:${crypto.randomUUID()}`;
      await post(one, { text: 'When I log in it says "This Kartra account is not active". My login email is lee@example.com' });
      await post(one, { text: 'SC-5521' });
      expect((await post(one, { value: { summary: 'confirm' } })).join(' ')).toMatch(/Your ticket is open/);
      const two = `a:${crypto.randomUUID()}`;
      expect((await post(two, { text: 'my account is not active' })).join('\n')).toContain('Last time you gave lee@example\\.com as the email address of your Kartra account.');
    } finally {
      connector.close();
    }
  });
});
