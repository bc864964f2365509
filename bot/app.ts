import {
  ConfigurationBotFrameworkAuthentication, ConversationState, type TurnContext,
  type ConfigurationBotFrameworkAuthenticationOptions, type Middleware,
} from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import type { Memory } from '../dialogs/memory';
import { MainDialog } from '../dialogs/mainDialog';
import type { TriageServices } from '../dialogs/services';
import { loadBrain, type Brain } from '../rules';
import type { Config } from './config';
import type { Logger } from './logger';
import { openStore, type Store } from './store';
import { TranscriptRecorder } from './transcriptRecorder';
import { TriageBot } from './triageBot';
import { ChannelAdapter } from './channelAdapter';
import { TypingIndicator } from './typingIndicator';
import { DirectLineChannel } from './directline/channel';
import { LOCAL_SERVICE_URL } from './directline/adapter';
import type { AgentSessions } from './store/agentSessions';
import { SignInThrottle, type SignInLimits } from './agent/signInThrottle';
import { DeviceCookies } from './agent/deviceCookies';
import { secretSetting } from './store/settings';
import crypto from 'node:crypto';
import { HandoffGate } from './handoff/gate';
import { TeamsRetry, type RetryOptions } from './teams/retry';
import { TeamsShaping } from './teams/shaping';
import { ProactiveRouter } from './handoff/proactive';
import { AgentRelay } from './handoff/relay';
import { RelayAcrossInstances } from './handoff/relayAcross';
import { HandoffService } from './handoff/service';
import { PublicAddress } from './web/publicAddress';
import { Retention } from './store/retentionSweep';

export interface App {
  config: Config;
  brain: Brain;
  /** Every piece of persisted data, behind one port (bot/store). */
  store: Store;
  adapter: ChannelAdapter;
  bot: TriageBot;
  services: TriageServices;
  /** Installed on every adapter that runs this bot (server, terminal chat, tests). */
  middleware: Middleware[];
  /** The widget's own Direct Line channel; absent when DIRECT_LINE_SECRET sends the widget to Azure. */
  directLine: DirectLineChannel | undefined;
  handoff: HandoffService;
  /** Live updates for the agent console. */
  relay: AgentRelay;
  /** Which adapter sends into a conversation later (agents' replies); test adapters register here. */
  proactive: ProactiveRouter;
  agentSessions: AgentSessions;
  signIns: SignInThrottle;
  devices: DeviceCookies;
  /** Where browsers reach the bot: links and same-origin checks use it, never a request's Host. */
  address: PublicAddress;
  /** Deletes idle widget conversations and their files; started by the server, not by tools. */
  retention: Retention;
  /** Turns running on /api/messages (they may outlive their request): closing waits for them. */
  running: Set<Promise<unknown>>;
  /** Waits for running turns, closes live streams and the database. */
  close(): Promise<void>;
}

/** Turn errors: log, apologise, and keep the state as it was before the turn so nothing is lost. */
export function turnErrorHandler(log: Logger) {
  return async (context: TurnContext, error: Error): Promise<void> => {
    log.error({ err: error, conversationId: context.activity.conversation?.id, channel: context.activity.channelId }, 'turn failed');
    try {
      await context.sendActivity('Sorry, something went wrong on my side. Everything you told me so far is saved: please send your last message again.');
    } catch (sendError) {
      log.error({ err: sendError }, 'could not tell the user about the failure');
    }
  };
}

/** The composition root shared by the server, the terminal chat and the tests. */
export interface AppOptions {
  /** The clock tokens and agent sessions are checked against (tests move it forward to expire them). */
  now?: () => number;
  /** Backoff for throttled Teams sends (tests make it instant). */
  teamsRetry?: RetryOptions;
  /** Bot Framework authentication settings beyond the environment's (tests point the key endpoints at loopback). */
  authentication?: Partial<ConfigurationBotFrameworkAuthenticationOptions>;
  /** How long an agent's message may take to reach the customer's channel before it counts as not delivered. */
  deliveryTimeoutMs?: number;
  /** Failed sign-ins allowed (tests use small numbers). */
  signInLimits?: SignInLimits;
}

export async function createApp(config: Config, log: Logger, brain: Brain = loadBrain(), options: AppOptions = {}): Promise<App> {
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.DATABASE_URL }, { instanceId: crypto.randomUUID(), ...(options.now ? { now: options.now } : {}) });
  const storage = store.state;
  const conversationState = new ConversationState(storage);
  const transcripts = store.transcripts;
  const tickets = store.tickets;

  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: config.MicrosoftAppId ?? '',
    MicrosoftAppPassword: config.MicrosoftAppPassword ?? '',
    MicrosoftAppType: config.MicrosoftAppType,
    MicrosoftAppTenantId: config.MicrosoftAppTenantId ?? '',
    ...options.authentication,
  } as ConfigurationBotFrameworkAuthenticationOptions);
  const adapter = new ChannelAdapter(auth, options.teamsRetry);
  const proactive = new ProactiveRouter(adapter, config.MicrosoftAppId ?? '');
  const agentSessions = store.agentSessions;
  const relay = new AgentRelay((session) => agentSessions.active(session), store.presence);
  const handoff = new HandoffService(store.handoffs, relay, tickets, transcripts, proactive.send, () => brain.rules.escalation.handoff, () => brain.rules.messages, log, options.deliveryTimeoutMs, new RelayAcrossInstances(store, relay, log));

  const services: TriageServices = {
    brain,
    recognizer: brain.router,
    tickets,
    transcripts,
    files: store.files,
    handoff,
    memory: conversationState.createProperty<Memory>('memory'),
  };
  const dialog = new MainDialog(services);
  const bot = new TriageBot(conversationState, dialog, conversationState.createProperty<DialogState>('dialogState'), services);

  // Order matters: record first (so nothing is lost); shape and retry Teams sends before anything is
  // sent; then the hand-off gate (the bot stays silent while a person has the conversation), then the
  // typing indicator for turns the bot does answer.
  const middleware: Middleware[] = [
    new TranscriptRecorder(transcripts),
    new TeamsShaping(),
    new TeamsRetry(options.teamsRetry),
    new HandoffGate(handoff),
    new TypingIndicator(),
  ];
  adapter.use(...middleware);
  adapter.onTurnError = turnErrorHandler(log);

  const directLine = config.DIRECT_LINE_SECRET ? undefined : new DirectLineChannel({
    store, signingKey: await secretSetting(store.connection.db, 'directline_signing_key'), log, middleware, onTurnError: adapter.onTurnError, run: (context) => bot.run(context),
    bot: { id: config.MicrosoftAppId ?? 'kartra-support-bot', name: 'Kartra Support' }, ...(options.now ? { now: options.now } : {}),
    streamLimits: { total: config.STREAMS_MAX, perAddress: config.STREAMS_PER_ADDRESS },
  });
  if (directLine) proactive.register(LOCAL_SERVICE_URL, directLine.adapter);

  const retention = new Retention(store.connection.db, config.RETENTION_DAYS, log, options.now);
  const running = new Set<Promise<unknown>>();
  const close = async () => {
    retention.stop();
    relay.close();
    directLine?.close();
    await directLine?.idle();
    await Promise.allSettled([...running]);
    await handoff.settled();
    await store.close();
  };
  const deviceKey = await secretSetting(store.connection.db, 'agent_device_key');
  return { config, brain, store, adapter, bot, services, middleware, directLine, handoff, relay, proactive, agentSessions, signIns: new SignInThrottle(options.now, options.signInLimits), devices: new DeviceCookies(deviceKey), address: new PublicAddress(config.PUBLIC_URL), retention, running, close };
}
