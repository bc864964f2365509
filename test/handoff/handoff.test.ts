import type { ServerResponse } from 'node:http';
import { ActivityTypes } from 'botbuilder';
import type { AgentEvent } from '../../bot/handoff/relay';
import { HandoffError } from '../../bot/handoff/service';
import { finishTicket } from '../dialogs/complete';
import { Conversation, render, testApp } from '../helpers';

/** An agent's console stream: what the relay would have sent it. */
function agentStream(app: ReturnType<typeof testApp>, agent: string) {
  const events: AgentEvent[] = [];
  const res = {
    writableLength: 0, writeHead: () => res, on: () => res, end: () => undefined, destroy: () => undefined,
    write: (chunk: string) => { const m = /^data: (.*)\n\n$/s.exec(chunk); if (m?.[1]) events.push(JSON.parse(m[1]) as AgentEvent); return true; },
  };
  app.relay.subscribe(agent, `session-${agent}`, res as unknown as ServerResponse);
  return events;
}

/** Walks the hand-off flow (queued at once; then what is wrong and the email, for the ticket) and returns the ticket's reference. */
async function completeHandoff(c: Conversation, firstReply: string): Promise<string> {
  expect(firstReply).toMatch(/pass this conversation to a person[\s\S]*what is going wrong/);
  const afterDetails = await c.say('It keeps failing and I need help today');
  expect(afterDetails).toMatch(/email address of your Kartra account/);
  const done = await c.say('jane@example.com');
  const reference = /KT-[A-Z0-9]{6}/.exec(done)?.[0] ?? '';
  expect(reference).not.toBe('');
  return reference;
}

describe('hand-off to a person', () => {
  const app = testApp();
  afterAll(() => app.close());
  const openFor = async (c: Conversation) => (await app.handoff.list()).find((h) => h.conversationId === c.id);

  it('a request for a person: queued at once with intent, fields and channel, then the ticket; the user is told what happens next', async () => {
    const c = new Conversation(app);
    await c.say('my IP address is blocked');
    await c.say('jane_doe');
    const asked = await c.say('can I talk to a real person please');
    expect(asked).toMatch(/Nobody from the support team is online right now/);
    expect(asked).toMatch(/Say “cancel” to stop waiting/);
    expect(await openFor(c)).toMatchObject({ status: 'waiting', intent: 'ip_block', reason: 'user_request', channel: 'test', fields: expect.objectContaining({ username: 'jane_doe' }) });
    // The Bot Framework handoff protocol: the event carries the context and the transcript.
    const initiate = c.last.find((a) => a.type === ActivityTypes.Event && a.name === 'handoff.initiate');
    expect(initiate?.value).toMatchObject({ intent: 'ip_block', reason: 'user_request' });
    const transcript = initiate?.attachments?.[0]?.content as { activities: { text: string }[] } | undefined;
    expect(transcript?.activities.map((a) => a.text)).toEqual(expect.arrayContaining(['jane_doe', 'can I talk to a real person please']));
    const reference = await completeHandoff(c, asked);
    // The agents' queue gets the ticket and what the customer gave while waiting.
    expect(await openFor(c)).toMatchObject({ ticketReference: reference, fields: expect.objectContaining({ username: 'jane_doe', account_email: 'jane@example.com' }) });
  });

  it('a conversation that already has an open ticket adds the hand-off to it instead of opening another', async () => {
    const c = new Conversation(app);
    await c.say('This Kartra account is not active');
    const { reference } = await finishTicket(c, 'sam@example.com', 'QQ11');
    const reply = await c.say('I want to talk to a person');
    expect(reply).toMatch(/will join this chat|Nobody from the support team is online/);
    expect(reply).toMatch(new RegExp(`added this to your ticket \\*\\*${reference}`));
    expect(await openFor(c)).toMatchObject({ ticketReference: reference, status: 'waiting' });
    expect((await app.services.tickets.list()).filter((t) => t.conversationId === c.id)).toHaveLength(1);
  });

  it('three failed answers to one field offer a person, who gets what was collected', async () => {
    const c = new Conversation(app);
    await c.say('ip blocked');
    await c.say('jane_doe');
    await c.say('999.1.1.1');
    await c.say('my home one');
    expect(await c.say('dunno')).toMatch(/Would you like a person[\s\S]*\[Talk to a person \| Try again \| Cancel\]/);
    expect(await openFor(c)).toBeUndefined();
    await completeHandoff(c, await c.say('Talk to a person'));
    expect(await openFor(c)).toMatchObject({ reason: 'field_retries', intent: 'ip_block', fields: expect.objectContaining({ username: 'jane_doe' }) });
  });

  it('two messages in a row the bot did not understand offer a person; taking the offer hands over', async () => {
    const c = new Conversation(app);
    await c.say('what is the capital of France?');
    expect(await c.say('tell me a joke')).toMatch(/going round in circles[\s\S]*\[Talk to a person \| No, thanks\]/);
    expect(await openFor(c)).toBeUndefined();
    await completeHandoff(c, await c.say('Talk to a person'));
    expect((await openFor(c))?.reason).toBe('misunderstood');
  });

  it('a strongly negative message offers a person; a billing complaint with one negative word does not', async () => {
    const c = new Conversation(app);
    // Anger alone says nothing of the problem: the hand-off still asks what is wrong.
    const first = await c.say('This is ridiculous, I am furious and fed up with your useless support');
    expect(first).toMatch(/sorry this has been so frustrating[\s\S]*\[Talk to a person \| Keep going here\]/);
    await completeHandoff(c, await c.say('Talk to a person'));
    expect((await openFor(c))?.reason).toBe('negative_sentiment');

    const d = new Conversation(app);
    expect(await d.say('I was charged twice this month')).toMatch(/Billing Support/);
    expect((await openFor(d))).toBeUndefined();
  });

  it('a tree step that says escalate hands over with its reason', async () => {
    const c = new Conversation(app);
    expect(await c.say('Contact support / open a ticket')).toMatch(/Talk to a person/);
    await completeHandoff(c, await c.say('2'));
    expect(await openFor(c)).toMatchObject({ reason: 'user_request', intent: 'support.contact' });
  });

  it('while waiting the bot answers that a person is coming and the agent sees what the user writes; an agent takes over, talks, and hands back', async () => {
    const events = agentStream(app, 'Maria');
    const c = new Conversation(app);
    await c.say('my IP address is blocked');
    const reference = await completeHandoff(c, await c.say('talk to a human'));
    const h = (await openFor(c));
    expect(h?.status).toBe('waiting');

    expect(await c.say('also, it happened on my phone too')).toMatch(/still in line/);
    expect(events).toContainEqual({ type: 'queue' });
    expect(events).toContainEqual(expect.objectContaining({ type: 'message', handoffId: h?.id, role: 'user', text: 'also, it happened on my phone too' }));

    await app.handoff.claim(h?.id ?? '', 'Maria');
    await app.handoff.settled();
    expect(c.sent().map(render)).toEqual(['**Maria** from the support team has joined the chat.']);
    await app.handoff.say(h?.id ?? '', 'Maria', 'Hi Jane, I am unblocking 198.51.100.23 now.');
    expect(c.sent().map(render)).toEqual(['**Maria:** Hi Jane, I am unblocking 198\\.51\\.100\\.23 now\\.']);

    expect(await c.say('thank you!')).toBe('');
    expect(events).toContainEqual(expect.objectContaining({ type: 'message', handoffId: h?.id, role: 'user', text: 'thank you!' }));
    await c.send({ type: ActivityTypes.Typing });
    expect(events).toContainEqual({ type: 'typing', handoffId: h?.id });

    await app.handoff.handBack(h?.id ?? '', 'Maria');
    expect(c.sent().map(render).join()).toMatch(/handed you back to the assistant/);
    expect(await c.say('how many custom domains can I connect?')).toMatch(/domain/i);

    const ticket = await app.services.tickets.byReference(reference);
    expect(ticket?.status).toBe('open');
    expect(ticket?.transcript.map((t) => `${t.role}: ${t.text}`)).toEqual(expect.arrayContaining([
      'user: also, it happened on my phone too', 'agent: **Maria:** Hi Jane, I am unblocking 198\\.51\\.100\\.23 now\\.', 'user: thank you!',
    ]));
  });

  it('two agents cannot take the same conversation', async () => {
    const c = new Conversation(app);
    await completeHandoff(c, await c.say('I want to speak to an agent'));
    const id = (await openFor(c))?.id ?? '';
    const results = await Promise.allSettled([app.handoff.claim(id, 'Maria'), app.handoff.claim(id, 'Tom')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(HandoffError);
    expect((refused.reason as HandoffError).status).toBe(409);
    const winner = (await openFor(c))?.agent ?? '';
    const loser = winner === 'Maria' ? 'Tom' : 'Maria';
    await expect(app.handoff.say(id, loser, 'hello')).rejects.toThrow(/has this conversation/);
  });

  it('closing resolves the ticket with the whole transcript; the user can cancel waiting', async () => {
    const c = new Conversation(app);
    const reference = await completeHandoff(c, await c.say('get me a person'));
    const id = (await openFor(c))?.id ?? '';
    await app.handoff.claim(id, 'Tom');
    await c.say('are you there?');
    await app.handoff.close(id, 'Tom');
    const closing = c.sent().map(render);
    expect(closing.join()).toMatch(/closed this conversation[\s\S]*marked resolved/);
    // The end: how it went with Tom; the answer is Tom's rating.
    expect(closing.at(-1)).toMatch(/How did Tom do today\? Rate this chat from 1 \(poor\) to 5 \(great\)/);
    expect(await c.say('5')).toMatch(/Thank you!/);
    const rated = (await app.store.analytics.conversationsStarted('2000-01-01', '2100-01-01')).get(c.id)?.filter((e) => e.kind === 'csat');
    expect(rated).toEqual([expect.objectContaining({ rating: 5, detail: 'Tom' })]);
    const ticket = await app.services.tickets.byReference(reference);
    expect(ticket?.status).toBe('resolved');
    expect(ticket?.transcript.map((t) => t.text)).toEqual(expect.arrayContaining(['are you there?', expect.stringMatching(/Tom/)]));

    const d = new Conversation(app);
    await completeHandoff(d, await d.say('talk to someone'));
    expect(await d.say('cancel')).toMatch(/no longer waiting for a person[\s\S]*stays open/);
    expect((await openFor(d))).toBeUndefined();
    expect(await d.say('my IP is blocked')).toMatch(/username/);
  });

  it('handles handoff.status from a channel the policy trusts (an agent hub), and ignores it from any other', async () => {
    const policy = app.brain.rules.escalation.handoff;
    const trusted = policy.status_event_channels;
    policy.status_event_channels = ['omnichannel'];
    try {
      const forged = new Conversation(app);
      await completeHandoff(forged, await forged.say('talk to a human'));
      await forged.send({ type: ActivityTypes.Event, name: 'handoff.status', value: { state: 'completed' } });
      expect((await openFor(forged))).toMatchObject({ status: 'waiting' });

      const c = new Conversation(app, { channelId: 'omnichannel' });
      await completeHandoff(c, await c.say('talk to a human'));
      await c.send({ type: ActivityTypes.Event, name: 'handoff.status', value: { state: 'accepted' } });
      expect(await openFor(c)).toMatchObject({ status: 'active', agent: 'external hub' });
      expect(await c.send({ type: ActivityTypes.Event, name: 'handoff.status', value: { state: 'completed' } })).toEqual([expect.stringMatching(/back with the assistant/)]);
      expect(await openFor(c)).toBeUndefined();
    } finally {
      policy.status_event_channels = trusted;
    }
  });
});
