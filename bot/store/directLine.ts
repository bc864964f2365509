import type { Activity } from 'botbuilder';
import type { Db } from './schema';
import { JsonObject, parseJson } from './rows';

export interface DirectLineConversation { id: string; userId: string; createdAt: string; activities: number; bytes: number }

/** One page of history: the activities after a watermark and the watermark to ask from next time. */
export interface ActivitySet { activities: Partial<Activity>[]; watermark: string }

/** Direct Line watermarks are strings of digits; empty, "null" or anything else means "from the start". */
export function parseWatermark(w: unknown): number {
  return typeof w === 'string' && /^\d{1,15}$/.test(w) ? Number(w) : 0;
}

/** How much of one conversation's history a page (a poll, or one message on the stream) carries at most. */
export const PAGE_MAX_ACTIVITIES = 500;
export const PAGE_MAX_BYTES = 512 * 1024;
/** Rows read per query while filling a page, so a page of large activities is never read all at once. */
const READ_CHUNK = 50;

const parseActivity = (text: string) => parseJson('dl_activities.activity', text, JsonObject) as Partial<Activity>;

/**
 * Numbers the activity (its id and watermark are `conversationId|seq` and `seq`) and stores it. The
 * UPDATE that takes the number locks the conversation's row until the transaction ends, so appends from
 * two instances are numbered one after the other.
 */
export async function appendActivity(db: Db, conversationId: string, activity: Partial<Activity>, pending: boolean, now: string): Promise<{ activity: Partial<Activity>; seq: number }> {
  const provisional = JSON.stringify({ ...activity, id: `${conversationId}|0000000` });
  const row = await db.updateTable('dl_conversations')
    .set((eb) => ({ last_seq: eb('last_seq', '+', 1), last_active_at: now, stored_bytes: eb('stored_bytes', '+', Buffer.byteLength(provisional)) }))
    .where('id', '=', conversationId).returning('last_seq').executeTakeFirst();
  if (!row) throw new Error('no such Direct Line conversation');
  const seq = Number(row.last_seq);
  const stored = { ...activity, id: `${conversationId}|${String(seq).padStart(7, '0')}` };
  await db.insertInto('dl_activities').values({ conversation_id: conversationId, seq, activity: JSON.stringify(stored), pending: pending ? 1 : 0 }).execute();
  return { activity: stored, seq };
}

/** Marks a user activity's turn done (in the turn's commit). */
export async function markActivityDone(db: Db, conversationId: string, seq: number): Promise<void> {
  await db.updateTable('dl_activities').set({ pending: 0 }).where('conversation_id', '=', conversationId).where('seq', '=', seq).execute();
}

/**
 * The local Direct Line channel's history: every activity of every conversation, in order, persisted so a
 * reloaded page, a restarted server or another instance carries on from its watermark. User activities
 * stay `pending` until the bot has finished its turn on them, so a turn cut short by a crash is replayed.
 */
export class DirectLineStore {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  async create(id: string, userId: string): Promise<{ conversation: DirectLineConversation; created: boolean }> {
    const createdAt = new Date(this.now()).toISOString();
    const inserted = await this.db.insertInto('dl_conversations').values({ id, user_id: userId, created_at: createdAt, last_active_at: createdAt })
      .onConflict((oc) => oc.column('id').doNothing()).returning('id').executeTakeFirst();
    return { conversation: (await this.get(id)) ?? { id, userId, createdAt, activities: 0, bytes: 0 }, created: inserted !== undefined };
  }

  async get(id: string): Promise<DirectLineConversation | undefined> {
    const r = await this.db.selectFrom('dl_conversations').select(['id', 'user_id', 'created_at', 'stored_bytes', 'last_seq']).where('id', '=', id).executeTakeFirst();
    return r && { id: r.id, userId: r.user_id, createdAt: r.created_at, activities: Number(r.last_seq), bytes: Number(r.stored_bytes) };
  }

  async append(conversationId: string, activity: Partial<Activity>, pending = false): Promise<{ activity: Partial<Activity>; watermark: string }> {
    const { activity: stored, seq } = await this.db.transaction().execute((tx) => appendActivity(tx, conversationId, activity, pending, new Date(this.now()).toISOString()));
    return { activity: stored, watermark: String(seq) };
  }

  /**
   * The activities after a watermark, a page at a time (at most PAGE_MAX_ACTIVITIES and, past the first,
   * PAGE_MAX_BYTES), read a few rows at a time so a large history is never all in memory at once.
   */
  async since(conversationId: string, watermark: number): Promise<ActivitySet> {
    const activities: Partial<Activity>[] = [];
    let bytes = 0;
    let last = watermark;
    let full = false;
    while (!full && activities.length < PAGE_MAX_ACTIVITIES) {
      const rows = await this.db.selectFrom('dl_activities').select(['seq', 'activity'])
        .where('conversation_id', '=', conversationId).where('seq', '>', last)
        .orderBy('seq').limit(Math.min(READ_CHUNK, PAGE_MAX_ACTIVITIES - activities.length)).execute();
      for (const r of rows) {
        if (activities.length > 0 && bytes + r.activity.length > PAGE_MAX_BYTES) { full = true; break; }
        bytes += r.activity.length;
        activities.push(parseActivity(r.activity));
        last = Number(r.seq);
      }
      if (rows.length < READ_CHUNK) break;
    }
    if (activities.length > 0) return { activities, watermark: String(last) };
    // Nothing new: the latest watermark there is, not whatever number the client sent.
    return { activities, watermark: String(Math.min(watermark, Number(await this.watermark(conversationId)))) };
  }

  /** The watermark of the latest activity (what a client that has seen everything holds). */
  async watermark(conversationId: string): Promise<string> {
    const r = await this.db.selectFrom('dl_conversations').select('last_seq').where('id', '=', conversationId).executeTakeFirst();
    return String(r ? Number(r.last_seq) : 0);
  }

  /** Whether the turn on this user activity has not run to its commit yet. */
  async isPending(conversationId: string, seq: number): Promise<boolean> {
    const r = await this.db.selectFrom('dl_activities').select('pending').where('conversation_id', '=', conversationId).where('seq', '=', seq).executeTakeFirst();
    return r?.pending === 1;
  }

  /** A conversation's user activities before `beforeSeq` whose turn has not committed, oldest first. */
  async pendingIn(conversationId: string, beforeSeq: number): Promise<Partial<Activity>[]> {
    const rows = await this.db.selectFrom('dl_activities').select('activity').where('conversation_id', '=', conversationId)
      .where('pending', '=', 1).where('seq', '<', beforeSeq).orderBy('seq').execute();
    return rows.map((r) => parseActivity(r.activity));
  }

  /** User activities whose turn never committed (a process stopped mid-turn), oldest first. */
  async pending(limit = 1000): Promise<Partial<Activity>[]> {
    const rows = await this.db.selectFrom('dl_activities').select('activity').where('pending', '=', 1)
      .orderBy('conversation_id').orderBy('seq').limit(limit).execute();
    return rows.map((r) => parseActivity(r.activity));
  }
}

/** The sequence number in a stored activity's id (`conversationId|0000042`). */
export function seqOf(conversationId: string, activityId: string | undefined): number | undefined {
  const prefix = `${conversationId}|`;
  if (!activityId?.startsWith(prefix)) return undefined;
  const n = Number.parseInt(activityId.slice(prefix.length), 10);
  return Number.isFinite(n) ? n : undefined;
}
