// One token cannot make the server hold a conversation's whole history in memory, nor store without end;
// a reconnecting stream gets every activity it missed, however many.
import type { Activity } from 'botbuilder';
import WebSocket from 'ws';
import { CONVERSATION_MAX_BYTES } from '../../bot/directline/channel';
import { PAGE_MAX_ACTIVITIES, PAGE_MAX_BYTES } from '../../bot/store/directLine';
import { DirectLineSession, type ActivitySet } from '../directline/session';
import { servedDuringTests, tempDir, testApp } from '../helpers';

describe('conversation history limits', () => {
  const app = testApp(tempDir());
  const served = servedDuringTests(app);

  it('pages a large history by size, and refuses posts once the conversation holds its limit', async () => {
    const s = await DirectLineSession.start(served.url);
    const big = { type: 'event', name: 'note', value: 'v'.repeat(60_000) };
    let status = 200;
    let posted = 0;
    while (status === 200 && posted < 400) {
      const res = await s.call('POST', `/conversations/${s.conversationId}/activities`, { from: { id: s.userId }, ...big });
      status = res.status;
      if (status === 200) posted++;
      else expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'ConversationFull', message: expect.stringMatching(/start a new one/) });
    }
    expect(status).toBe(413);
    expect(posted).toBeGreaterThanOrEqual(Math.floor(CONVERSATION_MAX_BYTES / 62_000));
    await app.directLine!.idle();

    let watermark = '';
    let pages = 0;
    let seen = 0;
    for (;;) {
      const page = await s.since(watermark);
      if (page.activities.length === 0) break;
      expect(JSON.stringify(page.activities).length).toBeLessThanOrEqual(PAGE_MAX_BYTES + 70_000);
      seen += page.activities.length;
      watermark = page.watermark;
      pages++;
    }
    expect(pages).toBeGreaterThan(10);
    expect(seen).toBeGreaterThan(posted);
  });

  it('a stream opened on a history longer than a page gets all of it, in order, then new activities', async () => {
    const s = await DirectLineSession.start(served.url);
    for (let i = 0; i < PAGE_MAX_ACTIVITIES + 100; i++) await s.post({ type: 'event', name: 'n', value: i });
    await app.directLine!.idle();
    const total = Number((await s.since(String(PAGE_MAX_ACTIVITIES))).watermark);
    const got: Partial<Activity>[] = [];
    const ws = new WebSocket(s.streamUrl);
    await new Promise<void>((resolve) => ws.on('message', (d: Buffer) => {
      if (d.length) got.push(...(JSON.parse(d.toString()) as ActivitySet).activities);
      if (got.length >= total) resolve();
    }));
    expect(got.map((a) => Number(String(a.id).split('|')[1]))).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const next = new Promise<void>((resolve) => ws.on('message', () => resolve()));
    await s.post({ type: 'message', text: 'hello again' });
    await next;
    ws.close();
  });
});
