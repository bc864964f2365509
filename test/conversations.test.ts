// Every conversation in test/conversations/*.yaml, through each channel it lists: every reply the customer
// sees is asserted, in order (a missing or an extra reply fails), then the tickets and the queue.
import type { Ticket } from '../bot/tickets/ticket';
import { fakeConnector, teams, widget, type ChannelDriver } from './conversations/driver';
import { loadConversations, matches, plain, render, type ChannelName, type ConversationScript, type SeenReply } from './conversations/script';
import { servedDuringTests, tempDir, testApp } from './helpers';

const conversations = loadConversations();

function describeTurn(turn: ConversationScript['turns'][number]): string {
  if ('say' in turn) return `customer: ${turn.say}`;
  if ('submit' in turn) return `customer presses: ${JSON.stringify(turn.submit)}`;
  return `customer uploads: ${turn.upload}`;
}

function checkReplies(log: string[], expected: ConversationScript['turns'][number]['expect'], got: SeenReply[]): void {
  log.push(...got.map((r) => `  bot: ${plain(render(r))}`));
  const ok = got.length === expected.length && expected.every((e, i) => matches(e, got[i] as SeenReply));
  if (!ok) {
    throw new Error(`replies differ.\nexpected ${expected.length}:\n${expected.map((e) => `  - ${JSON.stringify(e)}`).join('\n')}\n`
      + `got ${got.length}:\n${got.map((r) => `  - ${plain(render(r))}`).join('\n')}\n\nconversation so far:\n${log.join('\n')}`);
  }
}

function checkTicket(expected: ConversationScript['tickets'][number], actual: Ticket | undefined, i: number): void {
  if (!actual) throw new Error(`ticket ${i + 1}: not opened`);
  const t = { subject: actual.subject, department: actual.department, status: actual.status, fields: actual.fields };
  if (expected.subject !== undefined && !matches(expected.subject, { text: actual.subject, choices: [] })) throw new Error(`ticket ${i + 1}: subject "${actual.subject}" is not ${expected.subject}`);
  if (expected.department !== undefined) expect(t.department).toBe(expected.department);
  if (expected.status !== undefined) expect(t.status).toBe(expected.status);
  if (expected.fields !== undefined) expect(t.fields).toMatchObject(expected.fields);
  for (const name of expected.absent ?? []) expect(Object.keys(t.fields)).not.toContain(name);
}

describe('conversations (test/conversations/*.yaml)', () => {
  // Every conversation starts from the widget's token endpoint on one address: lift its per-address rate.
  const app = testApp(tempDir(), { WIDGET_TOKENS_PER_SECOND: '1000' });
  const served = servedDuringTests(app);
  let connector: Awaited<ReturnType<typeof fakeConnector>>;
  beforeAll(async () => { connector = await fakeConnector(); });
  afterAll(() => connector.close());

  const drivers: Record<ChannelName, () => ChannelDriver> = {
    widget: () => widget(app, served.url),
    teams: () => teams(served.url, connector.url),
  };
  // What the widget path answered, over the whole corpus (the issue's measure: zero unanswered).
  const widgetTurns = { answered: 0, unanswered: [] as string[] };
  const cases = conversations.flatMap(({ file, script }) => script.channels.map((channel) => [`${file} (${channel}): ${script.title}`, channel, script] as const));

  it.each(cases)('%s', async (_name, channel, script) => {
    const driver = drivers[channel]();
    const log: string[] = [];
    const greeting = await driver.start();
    log.push(...greeting.map((r) => `  bot: ${plain(render(r))}`));
    expect(greeting.map((r) => r.text).join('\n')).toMatch(/Kartra support assistant/);
    // `{ticket}` in what the customer says is the reference the bot gave last in this conversation.
    let reference = '';
    for (const written of script.turns) {
      const turn = 'say' in written ? { ...written, say: written.say.replaceAll('{ticket}', reference) } : written;
      log.push(describeTurn(turn));
      const got = await driver.turn(turn);
      reference = got.map((r) => /KT-[A-Z0-9]{6}/.exec(r.text)?.[0]).filter(Boolean).pop() ?? reference;
      if (channel === 'widget') { if (got.length) widgetTurns.answered++; else widgetTurns.unanswered.push(`${script.title}: ${describeTurn(turn)}`); }
      checkReplies(log, turn.expect, got);
    }
    const tickets = (await app.services.tickets.list()).filter((t) => t.conversationId === driver.conversationId());
    if (tickets.length !== script.tickets.length) throw new Error(`expected ${script.tickets.length} ticket(s), got ${tickets.length}: ${tickets.map((t) => t.subject).join(', ')}\n\n${log.join('\n')}`);
    script.tickets.forEach((expected, i) => checkTicket(expected, tickets[i], i));
    const queued = (await app.handoff.list()).some((h) => h.conversationId === driver.conversationId() && h.status === 'waiting');
    expect({ queued }).toEqual({ queued: script.queued });
  });

  it('the widget path answered every customer message in the corpus', () => {
    expect(widgetTurns.unanswered).toEqual([]);
    expect(widgetTurns.answered).toBe(conversations.filter(({ script }) => script.channels.includes('widget')).reduce((n, { script }) => n + script.turns.length, 0));
  });
});
