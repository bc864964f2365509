import type { Logger } from '../logger';
import type { Db } from './schema';
import { deleteIdleConversations, deleteIdleCustomers, deleteOldTickets, forgetEventTexts } from './retention';

const SWEEP_EVERY_MS = 60 * 60 * 1000;

/**
 * Deletes what customers sent once their conversation has been idle for the retention period: the widget
 * conversation, its history and uploaded files, its transcript and bot state, and what the review inbox
 * and a returning customer's record kept. Tickets stay longer (the ticket retention period: they carry
 * their own copy of the transcript); a ticket's link to a deleted file then answers 404.
 */
export class Retention {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Db, private readonly days: number, private readonly log: Logger, private readonly now: () => number = Date.now, private readonly ticketDays = 365) {}

  /** One pass; returns how many conversations, files, customers' kept details and kept messages were deleted. */
  async sweep(): Promise<{ conversations: number; files: number; customers: number; messages: number; tickets: number }> {
    const cutoff = new Date(this.now() - this.days * 24 * 3600 * 1000).toISOString();
    const ticketCutoff = new Date(this.now() - this.ticketDays * 24 * 3600 * 1000).toISOString();
    const total = {
      conversations: 0, files: 0, customers: await deleteIdleCustomers(this.db, cutoff), messages: await forgetEventTexts(this.db, cutoff),
      tickets: await deleteOldTickets(this.db, ticketCutoff),
    };
    // In batches, so one sweep never holds many rows at once.
    for (;;) {
      const done = await deleteIdleConversations(this.db, cutoff);
      total.conversations += done.conversations;
      total.files += done.files;
      if (done.conversations === 0) return total;
    }
  }

  /** Sweeps now and then every hour, off the request path. */
  start(): void {
    const run = () => {
      this.sweep().then((done) => {
        if (Object.values(done).some((n) => n > 0)) this.log.info(done, 'retention: deleted idle conversations');
      }, (err: unknown) => this.log.error({ err }, 'retention sweep failed'));
    };
    run();
    this.timer = setInterval(run, SWEEP_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
