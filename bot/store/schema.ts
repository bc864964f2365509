import type { Generated, Kysely } from 'kysely';

/**
 * The tables, as Kysely sees them. Types are the portable subset both engines share: text, integers
 * (BIGINT on PostgreSQL, read back as numbers), and bytes (BLOB / BYTEA). JSON is kept as text and parsed
 * with a zod schema where it is read.
 */
export interface BotStateTable { key: string; data: string; etag: number; updated_at: string }

export interface TicketsTable {
  id: string; reference: string; idempotency_key: string; department: string; subject: string; status: string;
  intent: string; channel: string; conversation_id: string; user_id: string; note: string | null; fields: string;
  attachments: string; transcript: string; created_at: string; updated_at: string;
}

export interface TranscriptEntriesTable {
  seq: Generated<number>; conversation_id: string; role: string; text: string; attachments: string; at: string;
}

export interface SettingsTable { key: string; value: string }

export interface FilesTable {
  id: string; conversation_id: string; name: string; content_type: string; size: number; data: Buffer; created_at: string;
}

export interface DlConversationsTable {
  id: string; user_id: string; created_at: string; last_active_at: string; stored_bytes: Generated<number>; last_seq: Generated<number>;
}

export interface DlActivitiesTable { conversation_id: string; seq: number; activity: string; pending: number }

export interface HandoffsTable {
  id: string; conversation_id: string; channel: string; reference: string; intent: string; reason: string; fields: string;
  ticket_reference: string | null; status: string; agent: string | null; created_at: string; claimed_at: string | null; ended_at: string | null;
}

export interface AgentSessionsTable { id: string; agent: string; expires_at: number }

/** One row per open console stream, refreshed by its instance; rows not refreshed in time count as gone. */
export interface AgentPresenceTable { stream_id: string; agent: string; instance_id: string; seen_at: number }

/** Turns finished on activities that arrived over HTTP (Teams, the Emulator): a redelivery is not run twice. */
export interface TurnMarksTable { conversation_id: string; activity_id: string; at: string }

/** The outbox: one row per ticket and target (the help desk's email, the webhook, the customer's acknowledgement). */
export interface TicketDeliveriesTable {
  id: string; ticket_id: string; kind: string; target: string; status: string; attempts: Generated<number>;
  next_at: number; lease_until: number | null; last_error: string | null; delivered_at: string | null; created_at: string;
}

/** One thing that happened in a conversation (an answer, a question asked, a ticket, a rating…): the lead's analytics. */
export interface ConversationEventsTable {
  seq: Generated<number>; conversation_id: string; channel: string; at: string; kind: string;
  intent: string | null; detail: string | null; rating: number | null; text: string | null;
}

/** The lead's decision on a group of messages the bot did not understand: an intent, or null (ignored). */
export interface ReviewDecisionsTable { key: string; intent: string | null; decided_by: string; decided_at: string }

/** Training sentences added from the review inbox, on top of knowledge/utterances.yaml. */
export interface TrainingExamplesTable { seq: Generated<number>; text: string; intent: string; added_by: string; added_at: string }

/** A reload of the rules and knowledge: applied (error null) or refused with the reason. */
export interface RuleReloadsTable { seq: Generated<number>; at: string; by: string; instance_id: string; files: string; error: string | null }

/** An export or erasure of one customer's data; `subject` is a hash of their account email. */
export interface PrivacyAuditTable { seq: Generated<number>; at: string; by: string; action: string; subject: string; counts: string }

export interface Tables {
  bot_state: BotStateTable;
  tickets: TicketsTable;
  transcript_entries: TranscriptEntriesTable;
  settings: SettingsTable;
  files: FilesTable;
  dl_conversations: DlConversationsTable;
  dl_activities: DlActivitiesTable;
  handoffs: HandoffsTable;
  agent_sessions: AgentSessionsTable;
  agent_presence: AgentPresenceTable;
  turn_marks: TurnMarksTable;
  ticket_deliveries: TicketDeliveriesTable;
  conversation_events: ConversationEventsTable;
  review_decisions: ReviewDecisionsTable;
  training_examples: TrainingExamplesTable;
  rule_reloads: RuleReloadsTable;
  privacy_audit: PrivacyAuditTable;
}

export type Db = Kysely<Tables>;
export type Dialect = 'sqlite' | 'postgres';
