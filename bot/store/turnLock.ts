import type pg from 'pg';

/**
 * Turns of one conversation run one at a time, in arrival order: within this process by a promise chain
 * per conversation, across instances by a PostgreSQL advisory lock on the conversation, held on a client
 * of its own for the length of the turn. (SQLite is one process: the chain is all it needs.)
 */
export class TurnLock {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly pool?: pg.Pool) {}

  async run<T>(conversationId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(conversationId) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => { release = resolve; });
    const tail = previous.then(() => mine);
    this.chains.set(conversationId, tail);
    await previous;
    try {
      return this.pool ? await this.acrossInstances(this.pool, conversationId, fn) : await fn();
    } finally {
      release();
      if (this.chains.get(conversationId) === tail) this.chains.delete(conversationId);
    }
  }

  private async acrossInstances<T>(pool: pg.Pool, conversationId: string, fn: () => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [conversationId]);
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [conversationId]).catch(() => { broken = true; });
      }
    } finally {
      // A client whose unlock failed may still hold the lock: it is closed, which releases it.
      client.release(broken);
    }
  }
}
