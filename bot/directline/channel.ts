import crypto from 'node:crypto';
import { ActivityTypes, type Activity, type ChannelAccount, type Middleware, type TurnContext } from 'botbuilder';
import type { Logger } from '../logger';
import type { Store } from '../store';
import { seqOf, type DirectLineConversation, type DirectLineStore } from '../store/directLine';
import type { Notice } from '../store/events';
import { currentTurn, runInTurn, TurnUnit } from '../store/turnUnit';
import { LOCAL_CHANNEL_ID, LOCAL_SERVICE_URL, LocalDirectLineAdapter } from './adapter';
import { ActivityStreams, DEFAULT_STREAM_LIMITS, type StreamLimits } from './streams';
import { DirectLineTokens } from './tokens';

export interface DirectLineChannelOptions {
  store: Store;
  /** Signs the widget's tokens; one value in the database for every instance. */
  signingKey: Buffer;
  log: Logger;
  bot: ChannelAccount;
  run: (context: TurnContext) => Promise<void>;
  middleware: Middleware[];
  onTurnError: (context: TurnContext, error: Error) => Promise<void>;
  /** Injected in tests to expire tokens without waiting. */
  now?: () => number;
  streamLimits?: Partial<StreamLimits>;
}

/** What a page may set on an activity it posts; everything else (ids, from, conversation, times) is the channel's. */
export interface PostedActivity {
  type: string;
  text?: string;
  textFormat?: string;
  locale?: string;
  localTimezone?: string;
  value?: unknown;
  name?: string;
  attachments?: Activity['attachments'];
  channelData?: Record<string, unknown>;
  entities?: Activity['entities'];
  from?: { name?: string };
}

/** What one conversation may store of what its page posts (the bot's own replies are always stored). */
export const CONVERSATION_MAX_ACTIVITIES = 5000;
export const CONVERSATION_MAX_BYTES = 10 * 1024 * 1024;

export class ConversationFullError extends Error {
  constructor() { super('conversation full'); }
}

/**
 * The local Direct Line channel: conversations, their persisted history, live streams and the bot turns.
 * Turns run one at a time per conversation, in the order the user's activities arrived.
 */
export class DirectLineChannel {
  readonly store: DirectLineStore;
  private readonly all: Store;
  readonly streams: ActivityStreams;
  readonly tokens: DirectLineTokens;
  readonly adapter: LocalDirectLineAdapter;
  private readonly queues = new Map<string, Promise<void>>();
  /** Ids of the user activities whose turns are queued or running here. */
  private readonly queued = new Set<string>();
  private sweeper: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly run: (context: TurnContext) => Promise<void>;

  constructor(opts: DirectLineChannelOptions) {
    this.all = opts.store;
    this.store = opts.store.directLine;
    // Another instance stored something in a conversation whose streams are here; or the notices were
    // interrupted and every stream reads on from its watermark.
    opts.store.events.on('dl', (n: Notice) => {
      if (n.t === 'typing') this.streams.publishEphemeral(n.c, this.typingOf(n.c));
      else this.streams.notify(n.c);
    });
    opts.store.events.on('resync', () => this.streams.notifyAll());
    this.streams = new ActivityStreams({ ...DEFAULT_STREAM_LIMITS, ...opts.streamLimits });
    this.tokens = new DirectLineTokens(opts.signingKey, opts.now);
    this.log = opts.log;
    this.run = opts.run;
    this.adapter = new LocalDirectLineAdapter(opts.bot, (a) => this.deliver(a));
    this.adapter.use(...opts.middleware);
    this.adapter.onTurnError = opts.onTurnError;
  }

  get bot(): ChannelAccount { return this.adapter.bot; }

  /** A new conversation id and user id with a token for them (what the token endpoint hands a page). */
  /** A new conversation, for a new user or for a returning visitor (`userId` from their verified pass). */
  newSession(visitor?: string): { conversationId: string; userId: string; token: string; expiresIn: number } {
    const conversationId = crypto.randomBytes(16).toString('base64url');
    const userId = visitor ?? `dl_${crypto.randomBytes(12).toString('base64url')}`;
    return { conversationId, userId, token: this.tokens.issue(conversationId, userId), expiresIn: this.tokens.ttlSeconds };
  }

  /** Opens the token's conversation; the first time, the bot gets the conversationUpdate it greets on. */
  async start(conversationId: string, userId: string, locale?: string): Promise<DirectLineConversation> {
    const { conversation, created } = await this.store.create(conversationId, userId);
    if (created) {
      this.enqueue({
        type: ActivityTypes.ConversationUpdate,
        id: crypto.randomUUID(),
        membersAdded: [this.bot, { id: userId, name: 'User' }],
        ...(locale ? { locale } : {}),
        ...this.envelope(conversationId, { id: userId, name: 'User', role: 'user' }),
      });
    }
    return conversation;
  }

  /**
   * Stores the user's activity, echoes it to every open stream (with its id and the page's
   * clientActivityID, which Web Chat waits for) and queues the bot's turn on it.
   */
  async post(conversation: DirectLineConversation, posted: PostedActivity): Promise<Partial<Activity>> {
    if (this.isFull(conversation)) throw new ConversationFullError();
    const { from, ...fields } = posted;
    const activity: Partial<Activity> = {
      ...fields,
      ...this.envelope(conversation.id, { id: conversation.userId, name: from?.name ?? 'User', role: 'user' }),
    };
    // Typing is ephemeral: the bot sees it, the history does not keep it.
    if (activity.type === ActivityTypes.Typing) {
      this.enqueue({ ...activity, id: crypto.randomUUID() });
      return { id: '' };
    }
    const { activity: stored, watermark } = await this.store.append(conversation.id, activity, true);
    this.changed(conversation.id);
    // Turns an instance that stopped left unfinished in this conversation come first, in order.
    for (const left of await this.store.pendingIn(conversation.id, Number(watermark))) this.enqueue(left);
    this.enqueue(stored);
    return stored;
  }

  isFull(conversation: DirectLineConversation): boolean {
    return conversation.activities >= CONVERSATION_MAX_ACTIVITIES || conversation.bytes >= CONVERSATION_MAX_BYTES;
  }

  /** A message from the channel itself (not a bot turn), e.g. why an upload was refused. */
  async notice(conversationId: string, text: string): Promise<void> {
    await this.deliver({ type: ActivityTypes.Message, text, conversation: { id: conversationId } as Activity['conversation'], from: { ...this.bot, role: 'bot' } });
  }

  /**
   * Bot turns no process finished (this one before a restart, or another instance that stopped): run
   * them again, in order. Each runs once: under the conversation's turn lock, a turn found done is skipped.
   * `olderThanMs` leaves alone turns that may still be running elsewhere.
   */
  async resumePending(olderThanMs = 0): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    const pending = (await this.store.pending()).filter((a) => !this.queued.has(a.id ?? '')
      && (olderThanMs === 0 || new Date(a.timestamp ?? 0).getTime() < cutoff));
    for (const a of pending) this.enqueue(a);
    if (pending.length) this.log.warn({ count: pending.length }, 'replaying Direct Line turns left unfinished');
    return pending.length;
  }

  /**
   * A page reconnects to a conversation (perhaps here, after the instance it talked to stopped): its
   * unfinished turns run now rather than at the next sweep. One still running elsewhere holds the turn
   * lock; once it is done, the replay here finds it done and skips it.
   */
  async resumeConversation(conversationId: string): Promise<void> {
    for (const left of await this.store.pendingIn(conversationId, Number.MAX_SAFE_INTEGER)) this.enqueue(left);
  }

  /** Now and then, turns another instance left unfinished when it stopped (the server starts this). */
  startSweeping(everyMs = 15_000): void {
    this.sweeper = setInterval(() => { void this.resumePending(everyMs).catch((err: unknown) => this.log.warn({ err }, 'pending-turn sweep failed')); }, everyMs);
    this.sweeper.unref();
  }

  /** Resolves when every queued turn has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.all([...this.queues.values()]);
  }

  close(): void {
    clearInterval(this.sweeper);
    this.streams.close();
  }

  private async deliver(activity: Partial<Activity>): Promise<Partial<Activity>> {
    const conversationId = activity.conversation?.id;
    if (!conversationId) throw new Error('activity has no conversation');
    // Typing goes out live but is not history: a reconnecting page should not replay it.
    if (activity.type === ActivityTypes.Typing) {
      const out = { ...activity, id: `${conversationId}|typing-${crypto.randomUUID()}` };
      this.streams.publishEphemeral(conversationId, out);
      void this.all.events.publish('dl', conversationId, undefined, 'typing').catch(() => undefined);
      return out;
    }
    // Inside a turn of this conversation, the reply is stored with the turn's commit (see enqueue).
    const unit = currentTurn(conversationId);
    if (unit) {
      unit.activities.push(activity);
      return { ...activity, id: '' };
    }
    const { activity: stored } = await this.store.append(conversationId, activity);
    this.changed(conversationId);
    return stored;
  }

  /** A typing indicator from the bot's side (an agent typing on another instance). */
  private typingOf(conversationId: string): Partial<Activity> {
    return { type: ActivityTypes.Typing, id: `${conversationId}|typing-${crypto.randomUUID()}`, ...this.envelope(conversationId, { ...this.bot, role: 'bot' }) };
  }

  /** New history in a conversation: its streams here read on, and the other instances are told. */
  private changed(conversationId: string): void {
    this.streams.notify(conversationId);
    void this.all.events.publish('dl', conversationId).catch((err: unknown) => this.log.warn({ err }, 'could not notify other instances'));
  }

  private envelope(conversationId: string, from: ChannelAccount): Partial<Activity> {
    return {
      channelId: LOCAL_CHANNEL_ID,
      serviceUrl: LOCAL_SERVICE_URL,
      conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
      from,
      recipient: { ...this.bot, role: 'bot' },
      timestamp: new Date(),
    };
  }

  private enqueue(activity: Partial<Activity>): void {
    const conversationId = activity.conversation?.id ?? '';
    const id = activity.id ?? '';
    if (id && this.queued.has(id)) return;
    if (id) this.queued.add(id);
    const previous = this.queues.get(conversationId) ?? Promise.resolve();
    const turn = previous.then(() => this.all.turns.run(conversationId, async () => {
      // A turn replayed after a restart may have been finished by then (by another instance): not twice.
      const seq = seqOf(conversationId, activity.id);
      if (seq !== undefined && !(await this.store.isPending(conversationId, seq))) return;
      const unit = new TurnUnit(conversationId, seq !== undefined ? { kind: 'directline', seq } : undefined);
      try {
        await runInTurn(unit, () => this.adapter.processActivity(activity, this.run));
      } catch (err) {
        this.log.error({ err, conversationId }, 'Direct Line turn failed');
      }
      // State, transcript, replies and the done mark in one transaction; then the page reads the turn's
      // replies from the history.
      try {
        await this.all.commitTurn(unit);
        for (const after of unit.after) await after();
        this.changed(conversationId);
      } catch (err) {
        this.log.error({ err, conversationId }, 'Direct Line turn could not be saved; it is replayed at the next start');
      }
    })).catch((err: unknown) => this.log.error({ err, conversationId }, 'Direct Line turn could not run'));
    this.queues.set(conversationId, turn);
    void turn.then(() => {
      this.queued.delete(id);
      if (this.queues.get(conversationId) === turn) this.queues.delete(conversationId);
    });
  }
}
