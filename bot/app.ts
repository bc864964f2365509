import {
  CloudAdapter, ConfigurationBotFrameworkAuthentication, ConversationState, type TurnContext,
  type ConfigurationBotFrameworkAuthenticationOptions, type Middleware,
} from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import type { Entities } from '../dialogs/entities';
import { MainDialog } from '../dialogs/mainDialog';
import type { TriageServices } from '../dialogs/services';
import { loadBrain, type Brain } from '../rules';
import type { Config } from './config';
import type { Logger } from './logger';
import { openDatabase, type Db } from './storage/database';
import { FileStore } from './storage/files';
import { SqliteStorage } from './storage/sqliteStorage';
import { TranscriptRecorder, TranscriptStore } from './storage/transcripts';
import { SqliteTicketStore } from './tickets/sqliteTicketStore';
import { TriageBot } from './triageBot';
import { TypingIndicator } from './typingIndicator';
import { DirectLineChannel } from './directline/channel';

export interface App {
  config: Config;
  brain: Brain;
  db: Db;
  adapter: CloudAdapter;
  bot: TriageBot;
  services: TriageServices;
  /** Installed on every adapter that runs this bot (server, terminal chat, tests). */
  middleware: Middleware[];
  /** The widget's own Direct Line channel; absent when DIRECT_LINE_SECRET sends the widget to Azure. */
  directLine: DirectLineChannel | undefined;
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
  /** The clock tokens are checked against (tests move it forward to expire them). */
  now?: () => number;
}

export function createApp(config: Config, log: Logger, brain: Brain = loadBrain(), options: AppOptions = {}): App {
  const db = openDatabase(config.dataDir);
  const storage = new SqliteStorage(db);
  const conversationState = new ConversationState(storage);
  const transcripts = new TranscriptStore(db);
  const services: TriageServices = {
    brain,
    tickets: new SqliteTicketStore(db),
    transcripts,
    files: new FileStore(db),
    entities: conversationState.createProperty<Entities>('entities'),
    misses: conversationState.createProperty<number>('misses'),
  };
  const dialog = new MainDialog(services);
  const bot = new TriageBot(conversationState, dialog, conversationState.createProperty<DialogState>('dialogState'), services.entities);

  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: config.MicrosoftAppId ?? '',
    MicrosoftAppPassword: config.MicrosoftAppPassword ?? '',
    MicrosoftAppType: config.MicrosoftAppType,
    MicrosoftAppTenantId: config.MicrosoftAppTenantId ?? '',
  } as ConfigurationBotFrameworkAuthenticationOptions);
  const middleware: Middleware[] = [new TranscriptRecorder(transcripts), new TypingIndicator()];
  const adapter = new CloudAdapter(auth);
  adapter.use(...middleware);
  adapter.onTurnError = turnErrorHandler(log);

  const directLine = config.DIRECT_LINE_SECRET ? undefined : new DirectLineChannel({
    db, log, middleware, onTurnError: adapter.onTurnError, run: (context) => bot.run(context),
    bot: { id: config.MicrosoftAppId ?? 'kartra-support-bot', name: 'Kartra Support' }, ...(options.now ? { now: options.now } : {}),
  });

  const close = async () => {
    directLine?.close();
    await directLine?.idle();
    db.close();
  };
  return { config, brain, db, adapter, bot, services, middleware, directLine, close };
}
