import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

// Plain, portable SQL (TEXT/INTEGER, no SQLite-only types) so a PostgreSQL store can share the contract.
const MIGRATIONS: string[] = [
  `CREATE TABLE IF NOT EXISTS bot_state (
     key TEXT PRIMARY KEY, data TEXT NOT NULL, etag INTEGER NOT NULL, updated_at TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS tickets (
     id TEXT PRIMARY KEY, reference TEXT NOT NULL UNIQUE, idempotency_key TEXT NOT NULL UNIQUE,
     department TEXT NOT NULL, subject TEXT NOT NULL, status TEXT NOT NULL, intent TEXT NOT NULL,
     channel TEXT NOT NULL, conversation_id TEXT NOT NULL, user_id TEXT NOT NULL, note TEXT,
     fields TEXT NOT NULL, attachments TEXT NOT NULL, transcript TEXT NOT NULL,
     created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS transcript_entries (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT NOT NULL, role TEXT NOT NULL,
     text TEXT NOT NULL, attachments TEXT NOT NULL, at TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS transcript_by_conversation ON transcript_entries (conversation_id, seq)`,
  `CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  // Files users uploaded (screenshots); tickets point at them by id, so they are kept, not cached.
  `CREATE TABLE IF NOT EXISTS files (
     id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, name TEXT NOT NULL, content_type TEXT NOT NULL,
     size INTEGER NOT NULL, data BLOB NOT NULL, created_at TEXT NOT NULL)`,
  // Quotas sum sizes per conversation and in all; the index covers both without reading the blobs.
  `CREATE INDEX IF NOT EXISTS files_by_conversation ON files (conversation_id, size)`,
  // The local Direct Line channel: its conversations and every activity in them, numbered by watermark.
  `CREATE TABLE IF NOT EXISTS dl_conversations (
     id TEXT PRIMARY KEY, user_id TEXT NOT NULL, created_at TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS dl_activities (
     conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, activity TEXT NOT NULL, pending INTEGER NOT NULL,
     PRIMARY KEY (conversation_id, seq))`,
  `CREATE INDEX IF NOT EXISTS dl_pending ON dl_activities (pending) WHERE pending = 1`,
  // Conversations handed to a person: waiting in the queue, taken by an agent, or ended.
  `CREATE TABLE IF NOT EXISTS handoffs (
     id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, channel TEXT NOT NULL, reference TEXT NOT NULL,
     intent TEXT NOT NULL, reason TEXT NOT NULL, fields TEXT NOT NULL, ticket_reference TEXT,
     status TEXT NOT NULL, agent TEXT, created_at TEXT NOT NULL, claimed_at TEXT, ended_at TEXT)`,
  `CREATE INDEX IF NOT EXISTS handoffs_open ON handoffs (conversation_id, status)`,
  `CREATE TABLE IF NOT EXISTS agent_sessions (
     id TEXT PRIMARY KEY, agent TEXT NOT NULL, expires_at INTEGER NOT NULL)`,
];

/** Opens (creating if needed) the embedded database in dataDir and brings its schema up to date. */
export function openDatabase(dataDir: string): Db {
  fs.mkdirSync(dataDir, { recursive: true });
  return adoptDatabase(new Database(path.join(dataDir, 'triage.sqlite')));
}

/** Sets the connection up for the stores not yet behind bot/store (the store's migrations made the tables). */
export function adoptDatabase(db: Db): Db {
  // WAL lets the `tickets` command read while the bot writes; busy_timeout rides out a writer's lock.
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  db.transaction(() => {
    for (const sql of MIGRATIONS) db.exec(sql);
    // Retention needs each conversation's last activity; databases from before it get the column.
    const columns = db.prepare<[], { name: string }>('PRAGMA table_info(dl_conversations)').all().map((c) => c.name);
    if (!columns.includes('last_active_at')) {
      db.exec('ALTER TABLE dl_conversations ADD COLUMN last_active_at TEXT');
      db.exec('UPDATE dl_conversations SET last_active_at = created_at');
    }
    db.exec('CREATE INDEX IF NOT EXISTS dl_conversations_by_activity ON dl_conversations (last_active_at)');
    // What one conversation may store is bounded; the running total saves summing its history per post.
    if (!columns.includes('stored_bytes')) db.exec('ALTER TABLE dl_conversations ADD COLUMN stored_bytes INTEGER NOT NULL DEFAULT 0');
  })();
  return db;
}
