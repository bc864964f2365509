import type { Db } from './schema';

/**
 * Deletes what customers sent once their widget conversation has been idle since `cutoff`: the
 * conversation, its history and uploaded files, its transcript and bot state. Tickets stay (they are the
 * help desk's record and carry their own copy of the transcript). One conversation per transaction, so a
 * long sweep never holds the database.
 */
export async function deleteIdleConversations(db: Db, cutoff: string, batch = 500): Promise<{ conversations: number; files: number }> {
  const ids = (await db.selectFrom('dl_conversations').select('id').where('last_active_at', '<', cutoff).limit(batch).execute()).map((r) => r.id);
  let files = 0;
  for (const id of ids) {
    files += await db.transaction().execute(async (tx) => {
      const removed = await tx.deleteFrom('files').where('conversation_id', '=', id).executeTakeFirst();
      await tx.deleteFrom('dl_activities').where('conversation_id', '=', id).execute();
      await tx.deleteFrom('transcript_entries').where('conversation_id', '=', id).execute();
      await tx.deleteFrom('bot_state').where('key', '=', `directline/conversations/${id}/`).execute();
      await tx.deleteFrom('dl_conversations').where('id', '=', id).execute();
      return Number(removed.numDeletedRows);
    });
  }
  return { conversations: ids.length, files };
}

/**
 * Deletes what the bot kept about customers across conversations (user state: the account email of their
 * last ticket) once it has not been written for the retention period.
 */
export async function deleteIdleCustomers(db: Db, cutoff: string): Promise<number> {
  const r = await db.deleteFrom('bot_state').where('key', 'like', '%/users/%').where('updated_at', '<', cutoff).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/**
 * What customers wrote that the lead's review inbox keeps (messages the bot did not understand, rating
 * comments) goes with the retention period too; the counts stay for the analytics.
 */
export async function forgetEventTexts(db: Db, cutoff: string): Promise<number> {
  const r = await db.updateTable('conversation_events').set({ text: null }).where('at', '<', cutoff).where('text', 'is not', null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Tickets the bot has kept for the ticket retention period after their last change, with their delivery
 * records: the help desk holds its own copy. One still waiting to be delivered stays until it has gone.
 */
export async function deleteOldTickets(db: Db, cutoff: string): Promise<number> {
  const old = await db.selectFrom('tickets').select('id').where('updated_at', '<', cutoff)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('ticket_deliveries').select('id').whereRef('ticket_deliveries.ticket_id', '=', 'tickets.id').where('ticket_deliveries.status', '=', 'pending'))))
    .limit(500).execute();
  if (!old.length) return 0;
  const ids = old.map((t) => t.id);
  return db.transaction().execute(async (tx) => {
    await tx.deleteFrom('ticket_deliveries').where('ticket_id', 'in', ids).execute();
    return Number((await tx.deleteFrom('tickets').where('id', 'in', ids).executeTakeFirst()).numDeletedRows);
  });
}
