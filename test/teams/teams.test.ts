import { ActivityTypes, type Activity, type TurnContext } from 'botbuilder';
import { shape, teamsMarkdown } from '../../bot/teams/shaping';
import { Conversation, render, testApp } from '../helpers';

/** Teams-shaped fixtures: ids as Teams sends them, tenant and channel data, mentions as entities. */
const BOT = { id: 'bot', name: 'Kartra Support' };
const mention = (text: string): Partial<Activity> => ({
  text: `<at>Kartra Support</at> ${text}`,
  entities: [{ type: 'mention', mentioned: BOT, text: '<at>Kartra Support</at>' }],
  channelData: { tenant: { id: 'tenant-1' }, team: { id: '19:team@thread.tacv2' }, channel: { id: '19:general@thread.tacv2' } },
});

/** Stands in for the Bot Connector's getConversationMember (what TeamsInfo.getMember calls). */
function withProfile(c: Conversation, member: (() => Promise<Record<string, unknown>>)) {
  const calls: string[] = [];
  c.adapter.use({
    onTurn: async (context: TurnContext, next: () => Promise<void>) => {
      context.turnState.set(context.adapter.ConnectorClientKey, {
        conversations: { getConversationMember: async (_conv: string, userId: string) => { calls.push(userId); return member(); } },
      });
      await next();
    },
  });
  return calls;
}

/** The connector refuses the next `count` message sends with this status, as Teams does when throttling. */
function failSends(c: Conversation, count: number, statusCode: number) {
  const state = { left: count };
  const original = c.adapter.sendActivities.bind(c.adapter);
  c.adapter.sendActivities = async (context, activities) => {
    if (state.left > 0 && activities.some((a) => a.type === ActivityTypes.Message)) {
      state.left--;
      throw Object.assign(new Error(`HTTP ${statusCode}`), { statusCode });
    }
    return original(context, activities);
  };
  return state;
}

describe('Microsoft Teams', () => {
  const app = testApp(undefined, {}, { teamsRetry: { retries: 3, baseMs: 1, sleep: async () => undefined } });
  afterAll(() => app.close());

  it('personal chat: greets on install with the topics as at most three quick replies, the rest as card buttons', async () => {
    const c = new Conversation(app, { channelId: 'msteams' });
    await c.adapter.receiveActivity({ type: ActivityTypes.ConversationUpdate, membersAdded: [{ id: 'bot', name: 'Kartra Support' }], channelData: { tenant: { id: 'tenant-1' } } });
    const sent = c.sent().filter((a) => a.type === ActivityTypes.Message);
    expect(sent[0]?.text).toMatch(/Kartra support assistant/);
    // Six topics: too many for Teams' suggested actions, so they come as a separate card message.
    expect(sent[0]?.suggestedActions).toBeUndefined();
    expect(sent[1]?.text).toBeUndefined();
    const card = sent[1]?.attachments?.[0]?.content as { version: string; actions: { type: string; title: string; data: { choice: string } }[] };
    expect(card.version).toBe('1.5');
    expect(card.actions.map((a) => a.title)).toContain('My IP address is blocked');
    expect(card.actions[1]).toEqual({ type: 'Action.Submit', title: 'My IP address is blocked', data: { choice: 'My IP address is blocked' } });
    // Pressing it is the same as typing the topic.
    expect((await c.send({ value: card.actions[1]?.data })).join('\n')).toMatch(/username/);
  });

  it('channel: ignores messages without a mention, answers with the mention stripped', async () => {
    const c = new Conversation(app, { channelId: 'msteams', conversationType: 'channel' });
    withProfile(c, async () => ({ id: 'user-1', email: 'jane@contoso.com' }));
    expect(await c.send({ text: 'my IP is blocked', channelData: { tenant: { id: 'tenant-1' } } })).toEqual([]);
    const reply = await c.send(mention('my IP is blocked'));
    expect(reply.join('\n')).toMatch(/username/);
    expect((await app.services.transcripts.list(c.id)).map((t) => t.text)).toContain('my IP is blocked');
  });

  it('team: greets on install with how to ask and the topics in words, since group chats show no buttons', async () => {
    const c = new Conversation(app, { channelId: 'msteams', conversationType: 'channel' });
    await c.adapter.receiveActivity({ type: ActivityTypes.ConversationUpdate, membersAdded: [BOT], channelData: { tenant: { id: 'tenant-1' }, team: { id: '19:team@thread.tacv2' } } });
    const sent = c.sent().filter((a) => a.type === ActivityTypes.Message);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.text).toMatch(/Mention me \(@Kartra Support\).*for example: “I can't log in”, “My IP address is blocked”, .*“Contact support \/ open a ticket”\.$/);
  });

  it('offers the Teams profile email for the account email and uses it only when confirmed', async () => {
    const c = new Conversation(app, { channelId: 'msteams' });
    const calls = withProfile(c, async () => ({ id: 'user-1', userPrincipalName: 'jane@contoso.com' }));
    await c.say('This Kartra account is not active');
    // Yes/no as a hero card: the SDK's choice for Teams.
    expect(c.last.map(render).join('\n')).toMatch(/Your Teams profile says jane@contoso.{0,6}com\. Is that the email address of your Kartra account\?/);
    expect(await c.say('yes')).toMatch(/Support Code/);
    expect(calls).toEqual([`user-${c.id}`]);

    const d = new Conversation(app, { channelId: 'msteams' });
    withProfile(d, async () => ({ id: 'user-1', email: 'jane@contoso.com' }));
    await d.say('This Kartra account is not active');
    expect(await d.say('no')).toMatch(/email address of your Kartra account/);
    expect(await d.say('jane.owner@example.com')).toMatch(/Support Code/);
  });

  it('asks as usual when the profile cannot be read', async () => {
    const c = new Conversation(app, { channelId: 'msteams' });
    withProfile(c, async () => { throw Object.assign(new Error('Forbidden'), { statusCode: 403 }); });
    expect(await c.say('This Kartra account is not active')).toMatch(/email address of your Kartra account/);
  });

  it('the summary card works from Teams with Action.Submit and with Action.Execute (invoke)', async () => {
    const c = new Conversation(app, { channelId: 'msteams' });
    withProfile(c, async () => ({ id: 'user-1' }));
    await c.say('This Kartra account is not active');
    await c.say('sam@example.com');
    await c.say('CODE42');
    const card = c.last.flatMap((a) => a.attachments ?? [])[0]?.content as { version: string };
    expect(card.version).toBe('1.5');
    // The summary's text and its card arrive as separate messages.
    expect(c.last.filter((a) => a.type === ActivityTypes.Message).every((a) => !(a.text && a.attachments?.length))).toBe(true);
    expect(await c.send({ value: { summary: 'correct', field: 'support_code' } })).toEqual([expect.stringMatching(/Support Code/)]);
    await c.say('CODE43');
    await c.adapter.receiveActivity({ type: ActivityTypes.Invoke, name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'confirm', data: { summary: 'confirm' } }, trigger: 'manual' } });
    const sent = c.sent();
    expect(sent.find((a) => a.type === 'invokeResponse')?.value).toMatchObject({ status: 200 });
    const ref = /KT-[A-Z0-9]{6}/.exec(sent.map(render).join(' '))?.[0] ?? '';
    expect((await app.services.tickets.byReference(ref))?.fields).toMatchObject({ account_email: 'sam@example.com', support_code: 'CODE43' });
  });

  it('retries a send Teams throttled (429), once it goes through', async () => {
    const c = new Conversation(app, { channelId: 'msteams' });
    withProfile(c, async () => ({ id: 'user-1' }));
    const failing = failSends(c, 1, 429);
    expect(await c.send({ text: 'hi' })).toEqual([expect.stringMatching(/Kartra support assistant/), expect.stringMatching(/My IP address is blocked/)]);
    expect(failing.left).toBe(0);
  });

  it('an agent reply into a Teams conversation (proactive, from the stored reference) is retried when throttled', async () => {
    const c = new Conversation(app, { channelId: 'msteams' });
    withProfile(c, async () => ({ id: 'user-1' }));
    await c.say('talk to a person');
    await c.say('My payments page is broken');
    await c.say('pat@example.com');
    await c.say('AB12CD');
    await c.say('Open the ticket');
    const h = (await app.handoff.list()).find((x) => x.conversationId === c.id);
    expect(h?.reference).toMatchObject({ channelId: 'msteams', conversation: { id: c.id } });
    await app.handoff.claim(h?.id ?? '', 'Maria');
    await app.handoff.settled();
    c.sent();
    const failing = failSends(c, 2, 502);
    await app.handoff.say(h?.id ?? '', 'Maria', 'Looking into it now');
    expect(failing.left).toBe(0);
    expect(c.sent().map(render)).toEqual(['**Maria:** Looking into it now']);
  });

  it('suggested actions: kept in personal chat when three or fewer and alone; otherwise card buttons', () => {
    const three = { type: 'message', text: 'Pick one', suggestedActions: { to: [], actions: ['A', 'B', 'C'].map((t) => ({ type: 'imBack', title: t, value: t })) } };
    expect(shape(three, true)).toEqual([three]);
    const [text, card] = shape(three, false);
    expect(text).toEqual({ type: 'message', text: 'Pick one' });
    expect((card?.attachments?.[0]?.content as { actions: unknown[] }).actions).toHaveLength(3);
    const withCard = shape({ ...three, attachments: [{ contentType: 'application/vnd.microsoft.card.hero', content: {} }] }, true);
    expect(withCard.map((a) => [Boolean(a.text), a.attachments?.length ?? 0, Boolean(a.suggestedActions)])).toEqual([[true, 0, false], [false, 2, false]]);
  });

  it('Markdown for Teams: headers become bold lines, tables plain lines', () => {
    expect(teamsMarkdown('## Steps\n| Plan | Domains |\n| --- | --- |\n| Starter | 1 |\nDone')).toBe('**Steps**\nPlan — Domains\nStarter — 1\nDone');
  });
});
