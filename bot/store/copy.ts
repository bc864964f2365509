import { sql } from 'kysely';
import type { Connection } from './connect';
import type { Tables } from './schema';

/** Every table the store holds, in an order where nothing points at a row not yet copied. */
const TABLES: Array<keyof Tables> = [
  'settings', 'bot_state', 'tickets', 'transcript_entries', 'files', 'dl_conversations', 'dl_activities', 'handoffs', 'agent_sessions', 'turn_marks', 'ticket_deliveries', 'conversation_events', 'review_decisions', 'training_examples', 'rule_reloads', 'privacy_audit',
];
/** How rows are read in order, a batch at a time (files hold blobs: small batches). */
const ORDER: Record<string, string[]> = {
  settings: ['key'], bot_state: ['key'], tickets: ['id'], transcript_entries: ['seq'], files: ['id'], dl_conversations: ['id'],
  dl_activities: ['conversation_id', 'seq'], handoffs: ['id'], agent_sessions: ['id'], turn_marks: ['conversation_id', 'activity_id'],
  ticket_deliveries: ['id'], conversation_events: ['seq'], review_decisions: ['key'], training_examples: ['seq'], rule_reloads: ['seq'], privacy_audit: ['seq'],
};
const BATCH: Record<string, number> = { files: 20, dl_activities: 500 };

export class TargetNotEmptyError extends Error {}

/**
 * Copies one store into another (SQLite into PostgreSQL when a deployment grows to several instances):
 * every row of every table, as is, in batches, then moves PostgreSQL's transcript numbering past the
 * copied lines. The target must be migrated and empty; agent presence is not copied (it is live state).
 */
export async function copyStore(from: Connection, to: Connection, progress: (table: string, rows: number) => void = () => undefined): Promise<Record<string, number>> {
  for (const table of TABLES) {
    const any = await to.db.selectFrom(table).select(sql<number>`1`.as('one')).limit(1).executeTakeFirst();
    if (any) throw new TargetNotEmptyError(`the target already has data (table ${table}): copy into an empty database`);
  }
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const size = BATCH[table] ?? 1000;
    let copied = 0;
    for (let offset = 0; ; offset += size) {
      let q = from.db.selectFrom(table).selectAll();
      for (const column of ORDER[table] ?? []) q = q.orderBy(sql.ref(column));
      const rows = await q.limit(size).offset(offset).execute();
      if (rows.length === 0) break;
      await to.db.insertInto(table).values(rows as never).execute();
      copied += rows.length;
      progress(table, copied);
    }
    counts[table] = copied;
  }
  if (to.dialect === 'postgres') {
    for (const table of ['transcript_entries', 'conversation_events', 'training_examples', 'rule_reloads', 'privacy_audit']) {
      await sql`SELECT setval(pg_get_serial_sequence(${table}, 'seq'), GREATEST((SELECT MAX(seq) FROM ${sql.table(table)}), 1))`.execute(to.db);
    }
  }
  return counts;
}
