// Two real server processes on one PostgreSQL: a widget conversation whose posts alternate between the
// instances, and one whose posts hit both at the same moment. Over more than 1,000 turns no answer is lost,
// no reply is shown twice, replies come in the order of the messages, and the tickets are exactly the
// expected ones.
import type { Activity } from 'botbuilder';
import { DirectLineSession } from '../../scripts/soak/directLineClient';
import { runResume } from '../../scripts/soak/resume';
import { tempDir } from '../helpers';
import { startServer, type ServerProcess } from '../serverProcess';
import { freshLocation } from '../store/engines';

/** One IP-block ticket, as a customer types it: each message and what the bot must answer first. */
const TICKET: Array<[string | Record<string, unknown>, RegExp]> = [
  ['my ip is blocked', /An IP block has to be cleared/],
  ['jo_k', /What is the IP address that is blocked/],
  ['84.23.112.19', /What kind of place is this IP address from/],
  ['hotel', /speed test/],
  ['https://www.loom.com/share/speed1', /email address of your Kartra account/],
  ['jo@example.com', /last things you did in Kartra/],
  ['I was editing a landing page', /Do several people use this IP address/],
  ['no', /screenshot of the IP block/],
  ['https://www.loom.com/share/block1', /VPN/],
  ['no', /Support Code/],
  ['K9X2Z', /Please check your ticket/],
  [{ summary: 'confirm' }, /Your ticket is open\. Reference: \W*KT-/],
];

const botMessages = (activities: Partial<Activity>[]) => activities.filter((a) => a.type === 'message' && a.from?.role === 'bot');

/** What the bot says right after a message, read from the other instance's history once it is there. */
async function replyTo(reader: DirectLineSession, watermark: string): Promise<{ texts: string[]; watermark: string }> {
  const got = await reader.replies(watermark, 15_000);
  return { texts: botMessages(got.activities).map((a) => a.text ?? (a.attachments?.length ? 'Please check your ticket (card)' : '')), watermark: got.watermark };
}

describe('two instances on one PostgreSQL', () => {
  let a: ServerProcess;
  let b: ServerProcess;
  beforeAll(async () => {
    const { databaseUrl } = await freshLocation('postgres');
    const env = { DATABASE_URL: databaseUrl as string, LOG_LEVEL: 'warn', WIDGET_TOKENS_PER_SECOND: '1000' };
    [a, b] = await Promise.all([startServer({ ...env, DATA_DIR: tempDir() }), startServer({ ...env, DATA_DIR: tempDir() })]);
  }, 60_000);
  afterAll(async () => {
    expect(await a.stop()).toBe(0);
    expect(await b.stop()).toBe(0);
    expect(a.errors() + b.errors()).toBe('');
  });

  it('posts alternating between the instances: every answer, in order, once; one ticket per form (50 forms, 600 turns)', async () => {
    const references: string[] = [];
    let onA!: DirectLineSession;
    let onB!: DirectLineSession;
    let watermark = '';
    for (let turn = 0; turn < 600; turn++) {
      if (turn % TICKET.length === 0) {
        if (onB) expect(botMessages((await onB.since()).activities).filter((x) => /Your ticket is open/.test(x.text ?? ''))).toHaveLength(1);
        onA = await DirectLineSession.start(a.url);
        onB = new DirectLineSession(b.url, onA.token, onA.conversationId, onA.userId);
        watermark = (await onA.replies('', 15_000)).watermark; // after the greeting
      }
      const [message, expected] = TICKET[turn % TICKET.length]!;
      const [writer, reader] = turn % 2 ? [onB, onA] : [onA, onB];
      await writer.post(typeof message === 'string' ? { type: 'message', text: message } : { type: 'message', value: message });
      const reply = await replyTo(reader, watermark);
      expect(`${turn}: ${reply.texts.join(' | ')}`).toMatch(new RegExp(`^${turn}: .*${expected.source}`, 's'));
      watermark = reply.watermark;
      const ref = /KT-[A-Z0-9]{6}/.exec(reply.texts.join(' '))?.[0];
      if (ref) references.push(ref);
    }
    expect(references).toHaveLength(50);
    expect(new Set(references).size).toBe(50);
    // Each form's history holds each question once: no turn ran twice, none was lost.
    const texts = botMessages((await onA.since()).activities).map((x) => x.text ?? '');
    expect(texts.filter((t) => /What is the IP address that is blocked/.test(t))).toHaveLength(1);
    expect(texts.filter((t) => /Your ticket is open/.test(t))).toHaveLength(1);
  }, 300_000);

  it('two messages sent to both instances at the same moment: both answered, in arrival order, once each (2 × 250 turns)', async () => {
    const onA = await DirectLineSession.start(a.url);
    const onB = new DirectLineSession(b.url, onA.token, onA.conversationId, onA.userId);
    let watermark = (await onA.replies('', 15_000)).watermark; // after the greeting
    const questions: Array<[string, RegExp]> = [
      ['what currencies do you support?', /21 currencies/],
      ['how many attendees can a webinar have on the growth plan?', /Growth plan, webinars allow 300 attendees/],
    ];
    for (let round = 0; round < 250; round++) {
      await Promise.all([onA.post({ type: 'message', text: questions[0]![0] }), onB.post({ type: 'message', text: questions[1]![0] })]);
      // Both turns' replies, read from either instance. A turn's replies are stored in one commit: once its
      // answer is there, the whole turn is.
      let seen: Partial<Activity>[] = [];
      const answered = () => questions.every(([, re]) => botMessages(seen).some((x) => re.test(x.text ?? '')));
      for (const deadline = Date.now() + 15_000; !answered();) {
        if (Date.now() > deadline) throw new Error(`round ${round}: ${JSON.stringify(seen.map((x) => x.text))}`);
        const next = await (round % 2 ? onA : onB).since(watermark);
        seen = [...seen, ...next.activities];
        watermark = next.watermark;
        if (!answered()) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const users = seen.filter((x) => x.from?.role === 'user').map((x) => x.text ?? '');
      const answers = botMessages(seen).map((x) => x.text ?? '').filter((t) => questions.some(([, re]) => re.test(t)));
      expect(users).toHaveLength(2);
      expect(answers).toHaveLength(2);
      // The answers come in the order the messages were stored, one each.
      for (const [i, text] of users.entries()) expect(answers[i]).toMatch(questions.find(([q]) => q === text)![1]);
    }
  }, 300_000);
});

describe('an instance killed mid-conversation (kill -9)', () => {
  it('the customer reconnects to the other instance and carries on at the same question; nothing they wrote is lost; one ticket each (6 conversations)', async () => {
    const { databaseUrl } = await freshLocation('postgres');
    const report = await runResume({ conversations: 6, seed: 5, ...(databaseUrl ? { databaseUrl } : {}) });
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ conversations: 6, resumed: 6, repeatedReplies: 0 });
  }, 180_000);
});
