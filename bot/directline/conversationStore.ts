import type { Activity } from 'botbuilder';
import type { Db } from '../storage/database';

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

/**
 * The local Direct Line channel's history: every activity of every conversation, in order, persisted so a
 * reloaded page or a restarted server carries on from its watermark. User activities stay `pending` until
 * the bot has finished its turn on them, so a crash mid-turn is replayed at the next start.
 */
export class DirectLineConversationStore {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  create(id: string, userId: string): { conversation: DirectLineConversation; created: boolean } {
    const createdAt = new Date(this.now()).toISOString();
    const info = this.db.prepare('INSERT OR IGNORE INTO dl_conversations (id, user_id, created_at, last_active_at) VALUES (?, ?, ?, ?)').run(id, userId, createdAt, createdAt);
    return { conversation: this.get(id) ?? { id, userId, createdAt, activities: 0, bytes: 0 }, created: info.changes === 1 };
  }

  get(id: string): DirectLineConversation | undefined {
    const r = this.db.prepare<[string], { id: string; user_id: string; created_at: string; stored_bytes: number; seq: number | null }>(
      'SELECT c.*, (SELECT MAX(seq) FROM dl_activities a WHERE a.conversation_id = c.id) AS seq FROM dl_conversations c WHERE id = ?').get(id);
    return r && { id: r.id, userId: r.user_id, createdAt: r.created_at, activities: r.seq ?? 0, bytes: r.stored_bytes };
  }

  /** Numbers the activity (its id and watermark are `conversationId|seq` and `seq`), stores it and returns it. */
  append(conversationId: string, activity: Partial<Activity>, pending = false): { activity: Partial<Activity>; watermark: string } {
    return this.db.transaction(() => {
      const last = this.db.prepare<[string], { seq: number | null }>('SELECT MAX(seq) AS seq FROM dl_activities WHERE conversation_id = ?').get(conversationId);
      const seq = (last?.seq ?? 0) + 1;
      const stored = { ...activity, id: `${conversationId}|${String(seq).padStart(7, '0')}` };
      const json = JSON.stringify(stored);
      this.db.prepare('INSERT INTO dl_activities (conversation_id, seq, activity, pending) VALUES (?, ?, ?, ?)')
        .run(conversationId, seq, json, pending ? 1 : 0);
      this.db.prepare('UPDATE dl_conversations SET last_active_at = ?, stored_bytes = stored_bytes + ? WHERE id = ?')
        .run(new Date(this.now()).toISOString(), Buffer.byteLength(json), conversationId);
      return { activity: stored, watermark: String(seq) };
    }).immediate();
  }

  /**
   * The activities after a watermark, a page at a time (at most PAGE_MAX_ACTIVITIES and, past the first,
   * PAGE_MAX_BYTES), read row by row so a large history is never all in memory at once.
   */
  since(conversationId: string, watermark: number): ActivitySet {
    const rows = this.db.prepare<[string, number, number], { seq: number; activity: string }>(
      'SELECT seq, activity FROM dl_activities WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?').iterate(conversationId, watermark, PAGE_MAX_ACTIVITIES);
    const activities: Partial<Activity>[] = [];
    let bytes = 0;
    let last: number | undefined;
    for (const r of rows) {
      if (activities.length > 0 && bytes + r.activity.length > PAGE_MAX_BYTES) break;
      bytes += r.activity.length;
      activities.push(JSON.parse(r.activity) as Partial<Activity>);
      last = r.seq;
    }
    // Nothing new: the latest watermark there is, not whatever number the client sent.
    return { activities, watermark: String(last ?? Math.min(watermark, Number(this.watermark(conversationId)))) };
  }

  /** The watermark of the latest activity (what a client that has seen everything holds). */
  watermark(conversationId: string): string {
    const r = this.db.prepare<[string], { seq: number | null }>('SELECT MAX(seq) AS seq FROM dl_activities WHERE conversation_id = ?').get(conversationId);
    return String(r?.seq ?? 0);
  }

  /** A turn's writes and its "done" mark (for a stored user activity), in one transaction. */
  commit(conversationId: string, activityId: string | undefined, writes: () => void): void {
    this.db.transaction(() => {
      writes();
      const seq = activityId ? seqOf(conversationId, activityId) : undefined;
      if (seq !== undefined) this.db.prepare('UPDATE dl_activities SET pending = 0 WHERE conversation_id = ? AND seq = ?').run(conversationId, seq);
    }).immediate();
  }

  /** User activities the bot never finished a turn on (the process stopped mid-turn), oldest first. */
  pending(): Partial<Activity>[] {
    return this.db.prepare<[], { activity: string }>('SELECT activity FROM dl_activities WHERE pending = 1 ORDER BY conversation_id, seq')
      .all().map((r) => JSON.parse(r.activity) as Partial<Activity>);
  }
}

function seqOf(conversationId: string, activityId: string): number | undefined {
  const prefix = `${conversationId}|`;
  if (!activityId.startsWith(prefix)) return undefined;
  const n = Number.parseInt(activityId.slice(prefix.length), 10);
  return Number.isFinite(n) ? n : undefined;
}
