import crypto from 'node:crypto';
import type { Db } from './schema';

/**
 * A random secret kept in the database under `name`, made on first use. Insert-if-absent then read
 * back: instances starting together on one database agree on one value.
 */
export async function secretSetting(db: Db, name: string, bytes = 32): Promise<Buffer> {
  await db.insertInto('settings').values({ key: name, value: crypto.randomBytes(bytes).toString('base64') })
    .onConflict((oc) => oc.column('key').doNothing()).execute();
  const row = await db.selectFrom('settings').select('value').where('key', '=', name).executeTakeFirstOrThrow();
  return Buffer.from(row.value, 'base64');
}
