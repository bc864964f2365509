import type { Storage, StoreItems } from 'botbuilder';
import type { Db } from './schema';
import { JsonObject, parseJson } from './rows';
import { currentTurn } from './turnUnit';

/** Writes state items; an item written with an eTag other than "*" must still carry the stored one. */
export async function writeState(db: Db, changes: StoreItems, now: string): Promise<void> {
  for (const [key, item] of Object.entries(changes)) {
    const { eTag, ...data } = (item ?? {}) as { eTag?: string } & Record<string, unknown>;
    const current = await db.selectFrom('bot_state').select('etag').where('key', '=', key).executeTakeFirst();
    if (current && eTag !== undefined && eTag !== '*' && eTag !== String(current.etag)) {
      throw new Error(`Storage: error writing "${key}" due to eTag conflict.`);
    }
    const row = { key, data: JSON.stringify(data), etag: (current?.etag ?? 0) + 1, updated_at: now };
    await db.insertInto('bot_state').values(row)
      .onConflict((oc) => oc.column('key').doUpdateSet({ data: row.data, etag: row.etag, updated_at: now })).execute();
  }
}

/**
 * Bot Framework Storage with optimistic concurrency, as the SDK's MemoryStorage and CosmosDB stores do.
 * Inside a turn the write is held back and committed with the turn (see TurnUnit), which is what keeps a
 * conversation's state right: botbuilder itself always writes with eTag "*", so the turn lock, not the
 * eTag, is what stops two turns of one conversation from overwriting each other.
 */
export class StateStore implements Storage {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  async read(keys: string[]): Promise<StoreItems> {
    const items: StoreItems = {};
    if (keys.length === 0) return items;
    const rows = await this.db.selectFrom('bot_state').select(['key', 'data', 'etag']).where('key', 'in', keys).execute();
    for (const row of rows) items[row.key] = { ...parseJson('bot_state.data', row.data, JsonObject), eTag: String(row.etag) };
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    const copy = JSON.parse(JSON.stringify(changes)) as StoreItems;
    const unit = currentTurn();
    if (unit) unit.state.push(copy);
    else await this.db.transaction().execute((tx) => writeState(tx, copy, new Date(this.now()).toISOString()));
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length) await this.db.deleteFrom('bot_state').where('key', 'in', keys).execute();
  }
}
