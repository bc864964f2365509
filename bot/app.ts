import {
  ConfigurationBotFrameworkAuthentication, ConversationState, UserState, type TurnContext,
  type ConfigurationBotFrameworkAuthenticationOptions, type Middleware,
} from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import type { Customer, Memory } from '../dialogs/memory';
import { MainDialog } from '../dialogs/mainDialog';
import type { TriageServices } from '../dialogs/services';
import { loadBrain, type Brain } from '../rules';
import { ConfigError, type Config } from './config';
import { EmailSender } from './delivery/email';
import { deliveryPlan, helpDeskAddress, unknownDepartments } from './delivery/plan';
import { DeliveryWorker } from './delivery/worker';
import { Learning } from './learning/model';
import type { Trainer } from './learning/trainer';
import { RulesReloader, type BrainDirs } from './rulesReload';
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
import { VisitorPasses } from './web/visitors';
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
  /** The classifier as the review inbox teaches it (retrained without a restart, on every instance). */
  learning: Learning;
  /** Reloads the rules and knowledge when they change (watched by the server, asked for in the console). */
  rules: RulesReloader;
  /** Widget visitors' passes: a new conversation in the same browser is the same user. */
  visitors: VisitorPasses;
  /** Sends tickets to the help desk (the outbox); started by the server, not by tools. */
  deliveries: DeliveryWorker;
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
  /** Where classifiers are trained (a worker thread; tests make it fail). */
  trainer?: Trainer;
}

/** Where the rules and knowledge are read from: RULES_DIR and KNOWLEDGE_DIR, else the project's. */
export function brainDirs(config: Config): BrainDirs {
  return { ...(config.RULES_DIR ? { rulesDir: config.RULES_DIR } : {}), ...(config.KNOWLEDGE_DIR ? { knowledgeDir: config.KNOWLEDGE_DIR } : {}) };
}

export async function createApp(config: Config, log: Logger, brain: Brain = loadBrain(brainDirs(config)), options: AppOptions = {}): Promise<App> {
  const strays = unknownDepartments(config, brain.rules.tickets.departments);
  if (strays.length) {
    throw new ConfigError(`Invalid configuration:\n  TICKET_EMAIL_DEPARTMENTS: no department ${strays.map((d) => `"${d}"`).join(', ')} in rules/tickets.yaml (it has ${brain.rules.tickets.departments.join(', ')})`);
  }
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.DATABASE_URL }, { instanceId: crypto.randomUUID(), ...(options.now ? { now: options.now } : {}) });
  const storage = store.state;
  const conversationState = new ConversationState(storage);
  const userState = new UserState(storage);
  const transcripts = store.transcripts;
  const tickets = store.tickets;
  tickets.plan = deliveryPlan(config);

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
  const handoff = new HandoffService(store.handoffs, relay, tickets, transcripts, proactive.send, () => services.brain.rules.escalation.handoff, () => services.brain.rules.messages, log, options.deliveryTimeoutMs, new RelayAcrossInstances(store, relay, log));

  const services: TriageServices = {
    brain,
    recognizer: brain.router,
    tickets,
    deliveries: store.deliveries,
    analytics: store.analytics,
    transcripts,
    files: store.files,
    handoff,
    memory: conversationState.createProperty<Memory>('memory'),
    customer: userState.createProperty<Customer>('customer'),
  };
  const dialog = new MainDialog(services);
  const bot = new TriageBot([conversationState, userState], dialog, conversationState.createProperty<DialogState>('dialogState'), services);

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

  const retention = new Retention(store.connection.db, config.RETENTION_DAYS, log, options.now, config.TICKET_RETENTION_DAYS);
  const email = config.SMTP_URL && config.TICKET_EMAIL_FROM
    ? new EmailSender({ smtpUrl: config.SMTP_URL, from: config.TICKET_EMAIL_FROM, timeoutMs: config.DELIVERY_TIMEOUT_SECONDS * 1000 })
    : undefined;
  const deliveries = new DeliveryWorker({
    deliveries: store.deliveries, tickets, files: store.files, log,
    ...(email ? { email } : {}),
    ...(config.TICKET_WEBHOOK_URL && config.TICKET_WEBHOOK_SECRET ? { webhook: { url: config.TICKET_WEBHOOK_URL, secret: config.TICKET_WEBHOOK_SECRET, timeoutMs: config.DELIVERY_TIMEOUT_SECONDS * 1000 } } : {}),
    label: (name) => services.brain.rules.allFields().get(name)?.label ?? name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()),
    acknowledgement: (t) => ({
      subject: services.brain.rules.messages.say('ack_email_subject', { reference: t.reference, subject: t.subject }),
      body: services.brain.rules.messages.say('ack_email_body', { reference: t.reference, subject: t.subject, department: t.department }),
    }),
    helpDesk: (department) => helpDeskAddress(config, department),
    maxAttempts: config.DELIVERY_MAX_ATTEMPTS, retryBaseMs: config.DELIVERY_RETRY_SECONDS * 1000, timeoutMs: config.DELIVERY_TIMEOUT_SECONDS * 1000,
    ...(options.now ? { now: options.now } : {}),
  });
  const learning = new Learning({
    brain: () => services.brain, serve: (brain) => { services.brain = brain; services.recognizer = brain.router; }, training: store.training, bus: store.events, log,
    ...(options.trainer ? { trainer: options.trainer } : {}),
  });
  await learning.start();
  const rules = new RulesReloader({ dirs: brainDirs(config), learning, reloads: store.ruleReloads, bus: store.events, instanceId: store.events.instanceId, log });
  const running = new Set<Promise<unknown>>();
  const close = async () => {
    rules.stop();
    retention.stop();
    await deliveries.stop();
    email?.close();
    relay.close();
    directLine?.close();
    await directLine?.idle();
    await Promise.allSettled([...running]);
    await handoff.settled();
    await store.close();
  };
  const deviceKey = await secretSetting(store.connection.db, 'agent_device_key');
  return { config, get brain() { return services.brain; }, store, adapter, bot, services, middleware, directLine, handoff, relay, proactive, agentSessions, signIns: new SignInThrottle(options.now, options.signInLimits), devices: new DeviceCookies(deviceKey), address: new PublicAddress(config.PUBLIC_URL), retention, deliveries, learning, rules, visitors: new VisitorPasses(await secretSetting(store.connection.db, 'visitor_signing_key')), running, close };
}
