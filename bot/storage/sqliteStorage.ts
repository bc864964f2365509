import type { Storage, StoreItems } from 'botbuilder';
import type { Db } from './database';
import { currentTurn } from './turnUnit';

/**
 * Bot Framework Storage on SQLite with optimistic concurrency, as the SDK's MemoryStorage and CosmosDB
 * stores do: an item written with an eTag other than "*" must still carry the stored eTag, else the write
 * fails and the turn is not silently lost over a newer one.
 */
export class SqliteStorage implements Storage {
  private readonly selectOne;
  private readonly upsert;
  private readonly remove;

  constructor(private readonly db: Db) {
    this.selectOne = db.prepare<[string], { data: string; etag: number }>('SELECT data, etag FROM bot_state WHERE key = ?');
    this.upsert = db.prepare<[string, string, number, string]>(
      `INSERT INTO bot_state (key, data, etag, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET data = excluded.data, etag = excluded.etag, updated_at = excluded.updated_at`);
    this.remove = db.prepare<[string]>('DELETE FROM bot_state WHERE key = ?');
  }

  async read(keys: string[]): Promise<StoreItems> {
    const items: StoreItems = {};
    for (const key of keys) {
      const row = this.selectOne.get(key);
      if (row) items[key] = { ...(JSON.parse(row.data) as object), eTag: String(row.etag) };
    }
    return items;
  }

  /** Inside a turn, the write happens with the turn's commit (see TurnUnit); elsewhere at once. */
  async write(changes: StoreItems): Promise<void> {
    const unit = currentTurn();
    const copy = JSON.parse(JSON.stringify(changes)) as StoreItems;
    if (unit) unit.defer(() => this.writeNow(copy)); else this.writeNow(copy);
  }

  private writeNow(changes: StoreItems): void {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      for (const [key, item] of Object.entries(changes)) {
        const { eTag, ...data } = (item ?? {}) as { eTag?: string } & Record<string, unknown>;
        const current = this.selectOne.get(key);
        if (current && eTag !== undefined && eTag !== '*' && eTag !== String(current.etag)) {
          throw new Error(`Storage: error writing "${key}" due to eTag conflict.`);
        }
        this.upsert.run(key, JSON.stringify(data), (current?.etag ?? 0) + 1, now);
      }
    })();
  }

  async delete(keys: string[]): Promise<void> {
    this.db.transaction(() => { for (const key of keys) this.remove.run(key); })();
  }
}
