import crypto from 'node:crypto';
import type { Db } from './database';

/**
 * A random secret kept in the database under `name`, made on first use. INSERT OR IGNORE then read back:
 * processes starting together on one database agree on one value.
 */
export function secretSetting(db: Db, name: string, bytes = 32): Buffer {
  const row = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(name);
  if (row) return Buffer.from(row.value, 'base64');
  db.prepare('INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)').run(name, crypto.randomBytes(bytes).toString('base64'));
  return secretSetting(db, name, bytes);
}
