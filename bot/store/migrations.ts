import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Dialect } from './schema';

/**
 * Versioned schema changes, applied in name order by Kysely's Migrator and recorded in `kysely_migration`.
 * On PostgreSQL the Migrator holds an advisory lock while it runs, so instances starting together apply
 * each migration once. Never edit a released migration: add the next one.
 */
function migrations(dialect: Dialect): Record<string, Migration> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  const bytes = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    // The schema of the first release. `if not exists` adopts a SQLite database that release created.
    '0001_initial': {
      async up(db: Kysely<unknown>) {
        await db.schema.createTable('bot_state').ifNotExists()
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('etag', big, (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull()).execute();
        await db.schema.createTable('tickets').ifNotExists()
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('reference', 'text', (c) => c.notNull().unique())
          .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
          .addColumn('department', 'text', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('intent', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('note', 'text')
          .addColumn('fields', 'text', (c) => c.notNull())
          .addColumn('attachments', 'text', (c) => c.notNull())
          .addColumn('transcript', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull()).execute();
        await db.schema.createIndex('tickets_by_conversation').ifNotExists().on('tickets').columns(['conversation_id', 'status', 'created_at']).execute();
        await db.schema.createTable('transcript_entries').ifNotExists()
          .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('attachments', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull()).execute();
        await db.schema.createIndex('transcript_by_conversation').ifNotExists().on('transcript_entries').columns(['conversation_id', 'seq']).execute();
        await db.schema.createTable('settings').ifNotExists()
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull()).execute();
        // Uploaded files (screenshots): tickets point at them by id, so they are kept, not cached.
        await db.schema.createTable('files').ifNotExists()
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('content_type', 'text', (c) => c.notNull())
          .addColumn('size', big, (c) => c.notNull())
          .addColumn('data', bytes, (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull()).execute();
        // Quotas sum sizes per conversation and in all; the index covers both without reading the bytes.
        await db.schema.createIndex('files_by_conversation').ifNotExists().on('files').columns(['conversation_id', 'size']).execute();
        await db.schema.createTable('dl_conversations').ifNotExists()
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('last_active_at', 'text')
          .addColumn('stored_bytes', big, (c) => c.notNull().defaultTo(0)).execute();
        await db.schema.createIndex('dl_conversations_by_activity').ifNotExists().on('dl_conversations').column('last_active_at').execute();
        await db.schema.createTable('dl_activities').ifNotExists()
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('seq', big, (c) => c.notNull())
          .addColumn('activity', 'text', (c) => c.notNull())
          .addColumn('pending', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('dl_activities_pk', ['conversation_id', 'seq']).execute();
        await db.schema.createIndex('dl_pending').ifNotExists().on('dl_activities').column('pending').where(sql.ref('pending'), '=', 1).execute();
        await db.schema.createTable('handoffs').ifNotExists()
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('reference', 'text', (c) => c.notNull())
          .addColumn('intent', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('fields', 'text', (c) => c.notNull())
          .addColumn('ticket_reference', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('agent', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('claimed_at', 'text')
          .addColumn('ended_at', 'text').execute();
        await db.schema.createIndex('handoffs_open').ifNotExists().on('handoffs').columns(['conversation_id', 'status']).execute();
        await db.schema.createTable('agent_sessions').ifNotExists()
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('agent', 'text', (c) => c.notNull())
          .addColumn('expires_at', big, (c) => c.notNull()).execute();
      },
    },
    // Several instances: who has the console open (heartbeats), and which HTTP turns are done.
    '0002_presence_and_turn_marks': {
      async up(db: Kysely<unknown>) {
        await db.schema.createTable('agent_presence')
          .addColumn('stream_id', 'text', (c) => c.primaryKey())
          .addColumn('agent', 'text', (c) => c.notNull())
          .addColumn('instance_id', 'text', (c) => c.notNull())
          .addColumn('seen_at', big, (c) => c.notNull()).execute();
        await db.schema.createTable('turn_marks')
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('activity_id', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('turn_marks_pk', ['conversation_id', 'activity_id']).execute();
        // Numbering a conversation's activities by a counter on its row: the UPDATE that takes the next
        // number locks the row, so two instances appending at once cannot take the same one.
        await db.schema.alterTable('dl_conversations').addColumn('last_seq', big, (c) => c.notNull().defaultTo(0)).execute();
        await sql`UPDATE dl_conversations SET last_seq = COALESCE((SELECT MAX(a.seq) FROM dl_activities a WHERE a.conversation_id = dl_conversations.id), 0)`.execute(db);
        await sql`UPDATE dl_conversations SET last_active_at = created_at WHERE last_active_at IS NULL`.execute(db);
      },
    },
    // The outbox: each ticket's deliveries to the help desk, written with the ticket, sent by a worker.
    '0003_ticket_deliveries': {
      async up(db: Kysely<unknown>) {
        await db.schema.createTable('ticket_deliveries')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('ticket_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('target', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_at', big, (c) => c.notNull())
          .addColumn('lease_until', big)
          .addColumn('last_error', 'text')
          .addColumn('delivered_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull()).execute();
        await db.schema.createIndex('ticket_deliveries_due').on('ticket_deliveries').columns(['status', 'next_at']).execute();
        await db.schema.createIndex('ticket_deliveries_by_ticket').on('ticket_deliveries').column('ticket_id').execute();
      },
    },
    // What happened in each conversation, for the support lead's outcomes, rates and review inbox.
    '0004_conversation_events': {
      async up(db: Kysely<unknown>) {
        await db.schema.createTable('conversation_events')
          .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('intent', 'text')
          .addColumn('detail', 'text')
          .addColumn('rating', 'integer')
          .addColumn('text', 'text').execute();
        await db.schema.createIndex('conversation_events_by_time').on('conversation_events').columns(['at']).execute();
        await db.schema.createIndex('conversation_events_by_conversation').on('conversation_events').columns(['conversation_id', 'seq']).execute();
      },
    },
    // The review inbox: what the lead decided about messages the bot did not understand, and the training
    // sentences those decisions added.
    '0005_review_and_training': {
      async up(db: Kysely<unknown>) {
        await db.schema.createTable('review_decisions')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('intent', 'text')
          .addColumn('decided_by', 'text', (c) => c.notNull())
          .addColumn('decided_at', 'text', (c) => c.notNull()).execute();
        await db.schema.createTable('training_examples')
          .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('intent', 'text', (c) => c.notNull())
          .addColumn('added_by', 'text', (c) => c.notNull())
          .addColumn('added_at', 'text', (c) => c.notNull()).execute();
      },
    },
    // Every reload of the rules and knowledge, applied or refused: who, when, which files, why refused.
    '0006_rule_reloads': {
      async up(db: Kysely<unknown>) {
        await db.schema.createTable('rule_reloads')
          .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('by', 'text', (c) => c.notNull())
          .addColumn('instance_id', 'text', (c) => c.notNull())
          .addColumn('files', 'text', (c) => c.notNull())
          .addColumn('error', 'text').execute();
      },
    },
    // Exports and erasures of one customer's data: who, when, what (the customer as a hash, not the address).
    '0007_privacy_audit': {
      async up(db: Kysely<unknown>) {
        await db.schema.createTable('privacy_audit')
          .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('by', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('counts', 'text', (c) => c.notNull()).execute();
      },
    },
  };
}

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}
