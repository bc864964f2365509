import { ActivityTypes, TestAdapter, TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import type { AddressInfo } from 'node:net';
import type restify from 'restify';
import { createApp, turnErrorHandler, type App, type AppOptions } from '../bot/app';
import { createServer } from '../bot/server';
import { loadConfig } from '../bot/config';
import { createLogger, type Logger } from '../bot/logger';
import { loadBrain, type Brain } from '../rules';
import { freshLocation } from './store/engines';
import { tempDir } from './tmp';

export { tempDir };

let brain: Brain | undefined;
/** Rules, knowledge and the trained router are read-only: one per test file is enough. */
export function sharedBrain(): Brain {
  brain ??= loadBrain();
  return brain;
}

export async function startApp(dataDir: string = tempDir(), env: NodeJS.ProcessEnv = {}, options: AppOptions = {}, log: Logger = createLogger('silent')): Promise<App> {
  // TEST_STORE=postgres runs a suite on PostgreSQL: the app's own data in a fresh database there.
  const database = process.env.TEST_STORE === 'postgres' && !env.DATABASE_URL ? await databaseFor(dataDir) : undefined;
  return createApp(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(database ? { DATABASE_URL: database } : {}), ...env }), log, sharedBrain(), options);
}

/** One PostgreSQL database per data folder, so an app restarted on the same folder finds its data again. */
const databases = new Map<string, string>();
async function databaseFor(dataDir: string): Promise<string> {
  const known = databases.get(dataDir);
  if (known) return known;
  const { databaseUrl } = await freshLocation('postgres');
  databases.set(dataDir, databaseUrl as string);
  return databaseUrl as string;
}

/**
 * The app of a describe block. Creating it is async (it opens and migrates the store), so it is created in
 * the block's beforeAll; what this returns stands for it in the block's tests and later hooks.
 */
export function testApp(...args: Parameters<typeof startApp>): App {
  let app: App | undefined;
  beforeAll(async () => { app = await startApp(...args); });
  return new Proxy({} as App, {
    get(_target, key) {
      if (!app) throw new Error(`the test app is used before its beforeAll ran (reading ${String(key)})`);
      const value: unknown = Reflect.get(app, key, app);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(app) : value;
    },
  });
}

/** A logger at `level` whose JSON lines are kept in memory, as `npm start` would print them. */
export function capturingLogger(level = 'info'): { log: Logger; lines: () => string } {
  let out = '';
  const log = createLogger(level, { write: (line: string) => { out += line; } });
  return { log, lines: () => out };
}

/** The app's real restify server on a free loopback port. */
export async function listen(app: App, log: Logger = createLogger('silent')): Promise<{ server: restify.Server; url: string }> {
  const server = createServer(app, log);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Everything a user would see of a reply: its text, its quick replies and any card, as one string. */
export function render(a: Partial<Activity>): string {
  const parts = [a.text ?? ''];
  const actions = a.suggestedActions?.actions ?? [];
  if (actions.length) parts.push(`[${actions.map((x) => x.title).join(' | ')}]`);
  for (const att of a.attachments ?? []) parts.push(`[card ${JSON.stringify(att.content)}]`);
  return parts.join(' ').trim();
}

/** TestAdapter, plus proactive sends (an agent's replies) through the same middleware. */
class ConversationTestAdapter extends TestAdapter {
  override async continueConversationAsync(_appId: unknown, reference: Partial<ConversationReference>, logic: unknown): Promise<void> {
    const activity = TurnContext.applyConversationReference({ type: ActivityTypes.Event, name: 'ContinueConversation' }, reference, true);
    await this.runMiddleware(this.createContext(activity), logic as (context: TurnContext) => Promise<void>);
  }
}

/**
 * A conversation through botbuilder's TestAdapter with the app's real middleware, bot and SQLite state:
 * `say` sends one message and returns what the bot answered in that turn.
 */
export class Conversation {
  readonly adapter: TestAdapter;
  /** All activities of the last `send`/`say` turn, events included. */
  last: Partial<Activity>[] = [];

  constructor(readonly app: App, opts: { channelId?: string; conversationId?: string; userId?: string; conversationType?: string } = {}) {
    const conversationId = opts.conversationId ?? `conv-${Math.random().toString(36).slice(2)}`;
    // A customer of their own unless told: the same user in two conversations is a returning customer.
    const userId = opts.userId ?? `user-${conversationId}`;
    // A service URL of its own, so an agent's replies (proactive sends) come back to this adapter.
    const serviceUrl = `https://test.invalid/${conversationId}`;
    this.adapter = new ConversationTestAdapter((c) => app.bot.run(c), {
      channelId: opts.channelId ?? 'test',
      serviceUrl,
      conversation: { id: conversationId, isGroup: (opts.conversationType ?? 'personal') !== 'personal', conversationType: opts.conversationType ?? 'personal', name: 'test' },
      from: { id: userId, name: 'User', role: 'user' },
      recipient: { id: 'bot', name: 'Bot', role: 'bot' },
    });
    this.adapter.use(...app.middleware);
    this.adapter.onTurnError = turnErrorHandler(createLogger('silent'));
    app.proactive.register(serviceUrl, this.adapter);
  }

  /** Everything the bot sent since the last call (replies, proactive messages, events). */
  sent(): Partial<Activity>[] {
    return this.adapter.activeQueue.splice(0);
  }

  get id(): string { return this.adapter.template.conversation?.id ?? ''; }

  async send(activity: Partial<Activity>): Promise<string[]> {
    this.adapter.activeQueue.splice(0);
    await this.adapter.receiveActivity({ type: ActivityTypes.Message, ...activity });
    this.last = this.adapter.activeQueue.splice(0);
    return this.last.filter((a) => a.type === ActivityTypes.Message).map(render);
  }

  async say(text: string): Promise<string> {
    return (await this.send({ text })).join('\n---\n');
  }

  async start(): Promise<string> {
    this.adapter.activeQueue.splice(0);
    await this.adapter.receiveActivity({
      type: ActivityTypes.ConversationUpdate,
      membersAdded: [{ id: 'bot', name: 'Bot' }, { id: this.adapter.template.from?.id ?? 'user', name: 'User' }],
    });
    return this.adapter.activeQueue.splice(0).map(render).join('\n---\n');
  }
}

/**
 * Serves the app on a free port for the tests of the enclosing describe block (and closes both after):
 * read `.url` inside the tests.
 */
export function servedDuringTests(app: App, log?: Logger): { readonly url: string } {
  let server: restify.Server | undefined;
  const served = { url: '' };
  beforeAll(async () => { ({ server, url: served.url } = await listen(app, log)); });
  afterAll(async () => { server?.close(); await app.close(); });
  return served;
}
