import type { Activity } from 'botbuilder';
import type { Db } from '../storage/database';

export interface DirectLineConversation { id: string; userId: string; createdAt: string }

/** One page of history: the activities after a watermark and the watermark to ask from next time. */
export interface ActivitySet { activities: Partial<Activity>[]; watermark: string }

/** Direct Line watermarks are strings; empty, "null" or garbage means "from the start". */
export function parseWatermark(w: unknown): number {
  const n = typeof w === 'string' ? Number.parseInt(w, 10) : NaN;
  return Number.isFinite(n) && n > 0 ? n : 0;
}

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
    return { conversation: this.get(id) ?? { id, userId, createdAt }, created: info.changes === 1 };
  }

  get(id: string): DirectLineConversation | undefined {
    const r = this.db.prepare<[string], { id: string; user_id: string; created_at: string }>('SELECT * FROM dl_conversations WHERE id = ?').get(id);
    return r && { id: r.id, userId: r.user_id, createdAt: r.created_at };
  }

  /** Numbers the activity (its id and watermark are `conversationId|seq` and `seq`), stores it and returns it. */
  append(conversationId: string, activity: Partial<Activity>, pending = false): { activity: Partial<Activity>; watermark: string } {
    return this.db.transaction(() => {
      const last = this.db.prepare<[string], { seq: number | null }>('SELECT MAX(seq) AS seq FROM dl_activities WHERE conversation_id = ?').get(conversationId);
      const seq = (last?.seq ?? 0) + 1;
      const stored = { ...activity, id: `${conversationId}|${String(seq).padStart(7, '0')}` };
      this.db.prepare('INSERT INTO dl_activities (conversation_id, seq, activity, pending) VALUES (?, ?, ?, ?)')
        .run(conversationId, seq, JSON.stringify(stored), pending ? 1 : 0);
      this.db.prepare('UPDATE dl_conversations SET last_active_at = ? WHERE id = ?').run(new Date(this.now()).toISOString(), conversationId);
      return { activity: stored, watermark: String(seq) };
    }).immediate();
  }

  since(conversationId: string, watermark: number, limit = 500): ActivitySet {
    const rows = this.db.prepare<[string, number, number], { seq: number; activity: string }>(
      'SELECT seq, activity FROM dl_activities WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?').all(conversationId, watermark, limit);
    const last = rows.at(-1)?.seq ?? watermark;
    return { activities: rows.map((r) => JSON.parse(r.activity) as Partial<Activity>), watermark: String(last) };
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
