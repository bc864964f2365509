import { sql } from 'kysely';
import type { Activity } from 'botbuilder';
import { AgentSessions } from './agentSessions';
import { AnalyticsLog, eventRow } from './analytics';
import { TrainingStore } from './training';
import { RuleReloadLog } from './ruleReloads';
import { PrivacyStore } from './privacy';
import { DeliveryStore } from './deliveries';
import { connect, migrate, type Connection, type StoreLocation } from './connect';
import { appendActivity, DirectLineStore, markActivityDone } from './directLine';
import { FileStore } from './files';
import { HandoffQueue } from './handoffs';
import { AgentPresence } from './presence';
import { StateStore, writeState } from './state';
import { EventBus } from './events';
import { SqlTicketStore } from './tickets';
import { TurnLock } from './turnLock';
import { insertTranscript, TranscriptStore } from './transcripts';
import type { TurnUnit } from './turnUnit';

export type { StoreLocation } from './connect';

/**
 * The one store port: every piece of persisted data goes through these repositories, on SQLite (the
 * embedded default, under DATA_DIR) or PostgreSQL (DATABASE_URL), and nothing outside bot/store writes SQL.
 */
export class Store {
  readonly state: StateStore;
  readonly tickets: SqlTicketStore;
  /** What happens in conversations, for the lead's view. */
  readonly analytics: AnalyticsLog;
  /** The review inbox's decisions and the training sentences they added. */
  readonly training: TrainingStore;
  /** Every reload of the rules and knowledge. */
  readonly ruleReloads: RuleReloadLog;
  /** One customer's data, exported or erased, with an audit. */
  readonly privacy: PrivacyStore;
  /** The tickets' outbox: deliveries to the help desk. */
  readonly deliveries: DeliveryStore;
  readonly transcripts: TranscriptStore;
  readonly files: FileStore;
  readonly directLine: DirectLineStore;
  readonly handoffs: HandoffQueue;
  readonly agentSessions: AgentSessions;
  readonly presence: AgentPresence;
  /** One turn at a time per conversation, across instances. */
  readonly turns: TurnLock;
  /** Live notices between instances. */
  readonly events: EventBus;

  private readonly now: () => number;

  constructor(readonly connection: Connection, options: { instanceId: string; now?: () => number }) {
    const { db } = connection;
    this.now = options.now ?? Date.now;
    this.state = new StateStore(db, options.now);
    this.tickets = new SqlTicketStore(db, options.now);
    this.deliveries = new DeliveryStore(db, connection.dialect, options.now);
    this.analytics = new AnalyticsLog(db, options.now);
    this.training = new TrainingStore(db, options.now);
    this.ruleReloads = new RuleReloadLog(db, options.now);
    this.privacy = new PrivacyStore(db, connection.dialect, options.now);
    this.transcripts = new TranscriptStore(db);
    this.files = new FileStore(db);
    this.directLine = new DirectLineStore(db, options.now);
    this.handoffs = new HandoffQueue(db, options.now);
    this.agentSessions = new AgentSessions(db, options.now);
    this.presence = new AgentPresence(db, options.instanceId, options.now);
    this.turns = new TurnLock(connection.lockPool);
    this.events = new EventBus(connection, options.instanceId);
  }

  get dialect() { return this.connection.dialect; }

  /**
   * Commits one turn: its state, transcript lines, Direct Line replies and "turn done" mark in one
   * transaction, so a process stopped at any point has written all of the turn or none of it. Returns
   * the replies as stored (numbered), to deliver after the commit.
   */
  async commitTurn(unit: TurnUnit): Promise<Partial<Activity>[]> {
    if (unit.isEmpty()) return [];
    const now = new Date(this.now()).toISOString();
    return this.connection.db.transaction().execute(async (tx) => {
      for (const changes of unit.state) await writeState(tx, changes, now);
      for (const entry of unit.transcript) await insertTranscript(tx, unit.conversationId, entry);
      if (unit.events.length) await tx.insertInto('conversation_events').values(unit.events.map((e) => eventRow(e, now))).execute();
      const stored: Partial<Activity>[] = [];
      for (const activity of unit.activities) stored.push((await appendActivity(tx, unit.conversationId, activity, false, now)).activity);
      if (unit.done?.kind === 'directline') await markActivityDone(tx, unit.conversationId, unit.done.seq);
      if (unit.done?.kind === 'http') {
        await tx.insertInto('turn_marks').values({ conversation_id: unit.conversationId, activity_id: unit.done.activityId, at: now })
          .onConflict((oc) => oc.columns(['conversation_id', 'activity_id']).doNothing()).execute();
      }
      return stored;
    });
  }

  /** Throws when the database does not answer. */
  async ping(): Promise<void> {
    await sql`SELECT 1`.execute(this.connection.db);
  }

  /** Whether a turn on this HTTP activity (a Teams redelivery) was already committed. */
  async turnDone(conversationId: string, activityId: string): Promise<boolean> {
    const r = await this.connection.db.selectFrom('turn_marks').select('activity_id')
      .where('conversation_id', '=', conversationId).where('activity_id', '=', activityId).executeTakeFirst();
    return r !== undefined;
  }

  async close(): Promise<void> {
    await this.events.stop();
    await this.connection.close();
  }
}

/** Opens the store the location names and brings its schema up to date (safe when instances start together). */
export async function openStore(location: StoreLocation, options: { instanceId: string; now?: () => number }): Promise<Store> {
  const connection = connect(location);
  try {
    await migrate(connection);
  } catch (err) {
    await connection.close();
    throw err;
  }
  const store = new Store(connection, options);
  await store.events.start();
  return store;
}
