import type { Logger } from '../logger';
import type { Db } from './database';

const SWEEP_EVERY_MS = 60 * 60 * 1000;

/**
 * Deletes what customers sent once their conversation has been idle for the retention period: the widget
 * conversation, its history and uploaded files, its transcript and bot state. Tickets stay (they are the
 * help desk's record and carry their own copy of the transcript); a ticket's link to a deleted file then
 * answers 404.
 */
export class Retention {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Db, private readonly days: number, private readonly log: Logger, private readonly now: () => number = Date.now) {}

  /** One pass; returns how many conversations and files were deleted. */
  sweep(): { conversations: number; files: number } {
    const cutoff = new Date(this.now() - this.days * 24 * 3600 * 1000).toISOString();
    return this.db.transaction(() => {
      const ids = this.db.prepare<[string], { id: string }>('SELECT id FROM dl_conversations WHERE last_active_at < ?').all(cutoff).map((r) => r.id);
      let files = 0;
      for (const id of ids) {
        files += this.db.prepare('DELETE FROM files WHERE conversation_id = ?').run(id).changes;
        this.db.prepare('DELETE FROM dl_activities WHERE conversation_id = ?').run(id);
        this.db.prepare('DELETE FROM transcript_entries WHERE conversation_id = ?').run(id);
        this.db.prepare('DELETE FROM bot_state WHERE key = ?').run(`directline/conversations/${id}/`);
        this.db.prepare('DELETE FROM dl_conversations WHERE id = ?').run(id);
      }
      return { conversations: ids.length, files };
    })();
  }

  /** Sweeps now and then every hour, off the request path. */
  start(): void {
    const run = () => {
      try {
        const done = this.sweep();
        if (done.conversations > 0) this.log.info(done, 'retention: deleted idle conversations');
      } catch (err) {
        this.log.error({ err }, 'retention sweep failed');
      }
    };
    run();
    this.timer = setInterval(run, SWEEP_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
