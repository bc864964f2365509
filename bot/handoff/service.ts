import {
  ActivityTypes, EventFactory, TurnContext, type Activity, type ConversationReference,
} from 'botbuilder';
import { escapeMarkdown, withChoices } from '../../dialogs/messages';
import type { Messages } from '../../rules/messages';
import type { EscalationPolicy } from '../../rules/schema';
import type { Logger } from '../logger';
import type { TranscriptStore } from '../store/transcripts';
import { afterCommit, currentTurn } from '../store/turnUnit';
import type { RelayAcrossInstances } from './relayAcross';
import type { TranscriptEntry } from '../tickets/ticket';
import type { TicketStore } from '../tickets/ticket';
import { AGENT_TURN_KEY } from './agentTurn';
import type { Handoff, HandoffQueue } from '../store/handoffs';
import type { AgentRelay } from './relay';

/** Sends into an existing conversation later (the agent's words), on whichever adapter owns its channel. */
export type ProactiveSend = (reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>) => Promise<void>;


export interface EscalationDetails { intent: string; reason: string; fields: Record<string, string>; ticketReference?: string }

export class HandoffError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

/** The customer's channel did not take a message (unreachable, refused, no answer): the agent must know it was not seen. */
export class DeliveryError extends HandoffError {
  constructor() { super(502, "Not delivered: the customer's chat could not be reached. Your message is kept; try again."); }
}

/** How long an agent waits, by default, to hear that a message reached the customer's channel. */
const DELIVERY_TIMEOUT_MS = 15_000;

/**
 * Hand-off to a person: queueing the conversation (with what the user is told), the Bot Framework
 * handoff events, relaying both ways while an agent has it, and giving it back to the bot or closing it.
 */
const HANDOFF = 'handoff';

export class HandoffService {
  private readonly background = new Set<Promise<void>>();

  constructor(
    private readonly queue: HandoffQueue,
    private readonly relay: AgentRelay,
    private readonly tickets: TicketStore,
    private readonly transcripts: TranscriptStore,
    private readonly send: ProactiveSend,
    private readonly policy: () => EscalationPolicy['handoff'],
    private readonly messages: () => Messages,
    private readonly log: Logger,
    private readonly deliveryTimeoutMs = DELIVERY_TIMEOUT_MS,
    private readonly across?: RelayAcrossInstances,
  ) {}

  /**
   * The conversation's open hand-off, read once per turn: the gate, the dialogs and the bot all ask.
   * Changes made in the turn (queued, left) forget it.
   */
  private async openFor(conversationId: string): Promise<Handoff | undefined> {
    const unit = currentTurn(conversationId);
    if (unit?.memo.has(HANDOFF)) return unit.memo.get(HANDOFF) as Handoff | undefined;
    const h = await this.queue.openFor(conversationId);
    unit?.memo.set(HANDOFF, h);
    return h;
  }

  private forget(conversationId: string): void {
    currentTurn(conversationId)?.memo.delete(HANDOFF);
  }

  /** The queue changed: every console here and on the other instances reloads it. */
  private queueChanged(): void {
    this.relay.publish({ type: 'queue' });
    this.across?.tell('queue');
  }

  /** Queues the conversation at once and tells the customer who joins and when (`lead` goes first). */
  async escalate(context: TurnContext, details: EscalationDetails, lead?: string): Promise<Handoff> {
    const a = context.activity;
    this.forget(a.conversation.id);
    const { handoff } = await this.queue.open({
      conversationId: a.conversation.id, channel: a.channelId,
      reference: { ...TurnContext.getConversationReference(a) } as Record<string, unknown>, ...details,
    });
    const next = await this.nextSteps(handoff);
    await context.sendActivity(lead ? `${lead} ${next}` : next);
    if (this.policy().initiate_event_channels.includes(a.channelId)) {
      const transcript = (await this.transcripts.list(a.conversation.id)).map((e): Partial<Activity> => ({
        type: ActivityTypes.Message, text: e.text, timestamp: new Date(e.at), from: { id: e.role, name: e.role, role: e.role === 'user' ? 'user' : 'bot' },
      }));
      await context.sendActivity(EventFactory.createHandoffInitiation(context,
        { handoffId: handoff.id, intent: handoff.intent, reason: handoff.reason, fields: handoff.fields, ticket: handoff.ticketReference },
        { activities: transcript as Activity[] }));
    }
    this.queueChanged();
    this.log.info({ handoffId: handoff.id, channel: handoff.channel, reason: handoff.reason }, 'conversation queued for a person');
    return handoff;
  }

  /** What happens next, in the customer's terms: who joins, roughly when, and that the team can also answer by email. */
  private async nextSteps(h: Handoff): Promise<string> {
    const m = this.messages();
    const ticket = h.ticketReference ? ` with your ticket **${h.ticketReference}**` : '';
    const tail = m.say('handoff_tail', { ticket });
    const online = await this.relay.online();
    if (online === 0) return `${m.say('handoff_nobody_online')} ${tail}`;
    const ahead = await this.queue.position(h);
    const minutes = Math.max(1, Math.ceil(((ahead + 1) * this.policy().minutes_per_conversation) / online));
    return `${m.say('handoff_wait', {
      minutes: `${minutes} minute${minutes === 1 ? '' : 's'}`,
      ahead: ahead > 0 ? ` (${ahead} ${ahead === 1 ? 'person' : 'people'} ahead of you)` : '',
    })} ${tail}`;
  }

  /** The hand-off's follow-up ticket, once opened while the customer waits: the agents see it in the queue. */
  async noteTicket(conversationId: string, reference: string, fields: Record<string, string>): Promise<void> {
    const h = await this.openFor(conversationId);
    if (!h) return;
    await this.queue.open({ conversationId, channel: h.channel, reference: h.reference as Record<string, unknown>, intent: h.intent, reason: h.reason, fields, ticketReference: reference });
    this.forget(conversationId);
    this.queueChanged();
  }

  /** Whether a person is waiting for or talking to this conversation. */
  async isOpen(conversationId: string): Promise<boolean> {
    return (await this.openFor(conversationId)) !== undefined;
  }

  /** The conversation's hand-off while nobody has taken it yet. */
  async waitingFor(conversationId: string): Promise<Handoff | undefined> {
    const h = await this.openFor(conversationId);
    return h?.status === 'waiting' ? h : undefined;
  }

  /** The customer stops waiting ("cancel" in the queue). */
  async leaveQueue(context: TurnContext, h: Handoff): Promise<void> {
    await this.queue.end(h.id, 'cancelled');
    this.forget(h.conversationId);
    this.queueChanged();
    await context.sendActivity(this.messages().say('handoff_cancelled', { ticket: this.ticketNote(h) }));
  }

  private ticketNote(h: Handoff): string {
    return h.ticketReference ? this.messages().say('handoff_ticket_note', { reference: h.ticketReference }) : '';
  }

  /**
   * A turn in a conversation that is waiting for or talking to a person. The customer's words (already in
   * the transcript) go to the agents live. With an agent on it the bot stays out ('stop'); while it waits,
   * the bot goes on ('continue'): it asks what the team still needs, and answers that the person is coming.
   */
  async relayUser(context: TurnContext): Promise<'stop' | 'continue'> {
    const a = context.activity;
    const h = a.conversation?.id ? await this.openFor(a.conversation.id) : undefined;
    if (!h) return 'continue';
    if (a.type === ActivityTypes.Typing) {
      if (h.agent) this.relay.publish({ type: 'typing', handoffId: h.id }, h.agent);
      this.across?.tell('typing', h.conversationId, h.id);
      return 'stop';
    }
    // Anything else (a proactive continuation carrying the agent's words, events) is not the user's.
    if (a.type !== ActivityTypes.Message) return 'continue';
    this.relay.publish({
      type: 'message', handoffId: h.id, role: 'user', text: a.text ?? '', at: new Date().toISOString(),
      ...(a.attachments?.length ? { attachments: a.attachments.map((x) => ({ name: x.name ?? x.contentType, ...(x.contentUrl ? { url: x.contentUrl } : {}) })) } : {}),
    }, h.agent);
    // Other instances read the line from the transcript once the turn has stored it.
    await afterCommit(() => this.across?.tell('message', h.conversationId, h.id));
    return h.status === 'active' ? 'stop' : 'continue';
  }

  /**
   * A host's agent hub reports on a hand-off it took over (the Bot Framework handoff.status event). Only
   * from channels the policy trusts: on Direct Line or Teams the customer's own client could send it and
   * take the conversation away from the agents.
   */
  async onStatus(context: TurnContext): Promise<void> {
    if (!this.policy().status_event_channels.includes(context.activity.channelId)) {
      this.log.warn({ channel: context.activity.channelId }, 'handoff.status event ignored: not from a trusted channel');
      return;
    }
    const h = await this.openFor(context.activity.conversation.id);
    const state = (context.activity.value as { state?: string; message?: string } | undefined)?.state;
    if (!h || !state) return;
    this.forget(h.conversationId);
    if (state === 'accepted') await this.queue.claim(h.id, 'external hub');
    if (state === 'completed') {
      await this.queue.end(h.id, 'returned');
      await context.sendActivity(this.messages().say('handoff_back'));
    }
    if (state === 'failed') {
      await this.queue.end(h.id, 'cancelled');
      await context.sendActivity(this.messages().say('handoff_failed', { ticket: this.ticketNote(h) }));
    }
    this.queueChanged();
  }

  list(): Promise<Handoff[]> {
    return this.queue.list();
  }

  async view(id: string): Promise<{ handoff: Handoff; transcript: TranscriptEntry[] }> {
    const handoff = await this.queue.get(id);
    if (!handoff) throw new HandoffError(404, 'No such conversation in the queue.');
    return { handoff, transcript: await this.transcripts.list(handoff.conversationId) };
  }

  /**
   * Gives the conversation to the agent at once; the customer is told in the background, so a channel
   * that is slow or unreachable never holds the console (the agent hears if it failed).
   */
  async claim(id: string, agent: string): Promise<Handoff> {
    const h = await this.queue.claim(id, agent);
    if (!h) {
      const now = await this.queue.get(id);
      throw new HandoffError(now ? 409 : 404, now?.agent ? `${now.agent} has already taken this conversation.` : 'This conversation is no longer waiting.');
    }
    this.queueChanged();
    const told = this.toUser(h, agent, this.messages().say('agent_joined', { agent: escapeMarkdown(agent) })).catch((err: unknown) => {
      this.log.warn({ err, handoffId: h.id }, 'could not tell the customer an agent joined');
      this.relay.publish({ type: 'notice', handoffId: h.id, text: "The customer's chat could not be reached to say you joined. Your replies will show whether they arrive." }, agent);
    });
    this.background.add(told);
    void told.finally(() => this.background.delete(told));
    return h;
  }

  /** Resolves when the notices sent in the background (an agent joined) have gone out or failed (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.background]);
  }

  async say(id: string, agent: string, text: string): Promise<void> {
    const h = await this.mine(id, agent);
    await this.toUser(h, agent, this.messages().say('agent_said', { agent: escapeMarkdown(agent), text: escapeMarkdown(text) }));
  }

  /** Best effort and in the background: a typing indicator that cannot be shown is not worth waiting for. */
  async typing(id: string, agent: string): Promise<void> {
    const h = await this.mine(id, agent);
    void this.send(h.reference, async (context) => {
      await context.sendActivity({ type: ActivityTypes.Typing }).catch(() => undefined);
    }).catch(() => undefined);
  }

  /** The bot takes over again; the ticket gets the transcript so far. */
  async handBack(id: string, agent: string): Promise<void> {
    const h = await this.mine(id, agent);
    await this.queue.end(h.id, 'returned');
    this.queueChanged();
    if (h.ticketReference) await this.tickets.update(h.ticketReference, { transcript: await this.transcripts.list(h.conversationId) });
    await this.tell(h, agent, this.messages().say('agent_handed_back', { agent: escapeMarkdown(agent) }));
  }

  /** The agent is done: the ticket is resolved with the whole transcript. */
  async close(id: string, agent: string): Promise<void> {
    const h = await this.mine(id, agent);
    await this.queue.end(h.id, 'closed');
    this.queueChanged();
    if (h.ticketReference) await this.tickets.update(h.ticketReference, { status: 'resolved', transcript: await this.transcripts.list(h.conversationId) });
    await this.tell(h, agent, this.messages().say('agent_closed', { agent: escapeMarkdown(agent), ticket: h.ticketReference ? this.messages().say('agent_closed_ticket', { reference: h.ticketReference }) : '' }));
    // The end of the conversation: how it went with the person (the customer's answer is read by the bot).
    await this.send(h.reference, async (context) => {
      await context.sendActivity(withChoices(this.messages().say('csat_ask_agent', { agent: escapeMarkdown(agent) }), ['1', '2', '3', '4', '5']));
    }).catch((err: unknown) => this.log.warn({ err, handoffId: h.id }, 'could not ask the customer to rate the conversation'));
  }

  /** The agent who closed this conversation's last hand-off, if that is how it ended. */
  async closedBy(conversationId: string): Promise<string | undefined> {
    const h = await this.queue.lastFor(conversationId);
    return h?.status === 'closed' ? h.agent : undefined;
  }

  /** A notice that goes with an action already taken: if it cannot reach the customer, the agent hears so. */
  private async tell(h: Handoff, agent: string, text: string): Promise<void> {
    try {
      await this.toUser(h, agent, text);
    } catch (err) {
      if (!(err instanceof DeliveryError)) throw err;
      this.relay.publish({ type: 'notice', handoffId: h.id, text: "Done, but the customer's chat could not be reached to tell them." }, agent);
    }
  }

  private async mine(id: string, agent: string): Promise<Handoff> {
    const h = await this.queue.get(id);
    if (!h) throw new HandoffError(404, 'No such conversation in the queue.');
    if (h.status !== 'active' || h.agent !== agent) throw new HandoffError(409, h.status === 'active' ? `${h.agent ?? 'Someone else'} has this conversation.` : 'Claim this conversation first.');
    return h;
  }

  /**
   * Sends into the customer's conversation and throws DeliveryError when the channel did not take it. The
   * send failure is caught inside the turn: left to the adapter, it would go to onTurnError, be logged and
   * swallowed, and the agent would be told the message was sent.
   */
  private async toUser(h: Handoff, agent: string, text: string): Promise<void> {
    let failed = false;
    let timer: NodeJS.Timeout | undefined;
    const sent = this.send(h.reference, async (context) => {
      context.turnState.set(AGENT_TURN_KEY, agent);
      try {
        await context.sendActivity(text);
      } catch (err) {
        failed = true;
        this.log.warn({ err, handoffId: h.id, channel: h.channel }, 'agent message not delivered');
      }
    });
    // A channel that never answers is reported like one that refused: the agent cannot wait for it.
    const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), this.deliveryTimeoutMs); });
    try {
      if ((await Promise.race([sent, timedOut])) === 'timeout') {
        failed = true;
        this.log.warn({ handoffId: h.id, channel: h.channel }, 'agent message not confirmed in time');
      }
    } catch (err) {
      this.log.warn({ err, handoffId: h.id, channel: h.channel }, 'agent message not delivered');
      failed = true;
    } finally {
      clearTimeout(timer);
    }
    if (failed) throw new DeliveryError();
    this.relay.publish({ type: 'message', handoffId: h.id, role: 'agent', text, at: new Date().toISOString() }, agent);
  }
}

