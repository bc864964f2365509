import { EventEmitter } from 'node:events';
import pg from 'pg';
import { z } from 'zod';
import type { Connection } from './connect';

const CHANNEL = 'kt_events';
/** What instances tell each other: which conversation has news, never what it says (that is read from the store). */
const NoticeSchema = z.object({
  i: z.string().max(100), k: z.enum(['dl', 'relay', 'model', 'rules']), c: z.string().max(500), h: z.string().max(100).optional(),
  t: z.enum(['queue', 'typing', 'message']).optional(),
});
export type Notice = z.infer<typeof NoticeSchema>;

/**
 * Live notifications between instances on PostgreSQL (LISTEN/NOTIFY): "conversation X has new history",
 * "hand-off Y changed". Each instance listens on one client of its own and ignores its own notices; after
 * the listening client is lost and back, it emits `resync` so readers catch up from their watermarks.
 * On SQLite (one process) nothing crosses: publish does nothing.
 */
export class EventBus extends EventEmitter {
  private listener: pg.Client | undefined;
  private stopped = false;

  constructor(private readonly connection: Connection, readonly instanceId: string) {
    super();
  }

  async start(): Promise<void> {
    if (this.connection.dialect !== 'postgres' || !this.connection.databaseUrl) return;
    await this.listen(this.connection.databaseUrl);
  }

  /** Tells the other instances; this one has already acted on it. */
  async publish(kind: Notice['k'], conversationId: string, handoffId?: string, type?: Notice['t']): Promise<void> {
    if (this.connection.dialect !== 'postgres' || !this.connection.pool) return;
    const notice: Notice = { i: this.instanceId, k: kind, c: conversationId, ...(handoffId ? { h: handoffId } : {}), ...(type ? { t: type } : {}) };
    await this.connection.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(notice)]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.listener?.end().catch(() => undefined);
  }

  private async listen(url: string): Promise<void> {
    const client = new pg.Client({ connectionString: url });
    client.on('notification', (msg) => {
      let parsed: unknown;
      try { parsed = JSON.parse(msg.payload ?? ''); } catch { return; }
      const notice = NoticeSchema.safeParse(parsed);
      if (notice.success && notice.data.i !== this.instanceId) this.emit(notice.data.k, notice.data);
    });
    client.on('error', () => undefined);
    client.on('end', () => {
      if (this.stopped) return;
      // Lost (a server restart, a network cut): listen again, then everyone reads what they missed.
      setTimeout(() => { void this.listen(url).then(() => this.emit('resync'), () => client.emit('end')); }, 1000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
  }
}
