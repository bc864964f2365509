import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations';
import type { Db, Dialect, Tables } from './schema';

export interface StoreLocation {
  /** `postgres://…` selects PostgreSQL; otherwise SQLite in `dataDir`. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** PostgreSQL connections this process may hold (queries; turn locks and LISTEN have their own). */
  poolSize?: number;
}

export interface Connection {
  db: Db;
  dialect: Dialect;
  /** PostgreSQL only: the queries' pool. */
  pool?: pg.Pool;
  /** PostgreSQL only: clients held for the length of a turn (its advisory lock), apart from the queries'. */
  lockPool?: pg.Pool;
  /** PostgreSQL only: where a listening client connects (live notifications between instances). */
  databaseUrl?: string;
  close(): Promise<void>;
}

const INT8 = 20;
// BIGINT comes back as a string by default; every BIGINT here (sizes, times in ms, sequence numbers) fits a double.
const pgTypes = { getTypeParser: ((oid: number, format?: string) => (oid === INT8 ? Number : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser };

const STATEMENTS_KEPT = 500;

/**
 * The SQLite database as Kysely sees it, with each statement prepared once: the driver prepares every query
 * it runs, and the same few dozen queries run on every turn. Statements are reused one call at a time
 * (better-sqlite3 is synchronous), and SQLite prepares again by itself when a migration changes the schema.
 */
function preparedOnce(sqlite: Database.Database): SqliteDatabase {
  const kept = new Map<string, SqliteStatement>();
  return {
    close: () => { kept.clear(); sqlite.close(); },
    prepare: (text: string) => {
      let statement = kept.get(text);
      if (!statement) {
        statement = sqlite.prepare(text);
        // Queries with a list of values vary in text; the oldest goes when the cache is full.
        if (kept.size >= STATEMENTS_KEPT) kept.delete(kept.keys().next().value as string);
        kept.set(text, statement);
      }
      return statement;
    },
  };
}

export function dialectOf(location: StoreLocation): Dialect {
  return location.databaseUrl ? 'postgres' : 'sqlite';
}

/** Opens the database the location names; does not migrate (see migrate). */
export function connect(location: StoreLocation): Connection {
  if (location.databaseUrl) {
    const pool = new pg.Pool({ connectionString: location.databaseUrl, max: location.poolSize ?? 10, types: pgTypes });
    const lockPool = new pg.Pool({ connectionString: location.databaseUrl, max: 50, idleTimeoutMillis: 10_000 });
    // An idle client that loses its server (a restart) emits here; the pool replaces it.
    pool.on('error', () => undefined);
    lockPool.on('error', () => undefined);
    const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', pool, lockPool, databaseUrl: location.databaseUrl, close: async () => { await db.destroy(); await lockPool.end(); } };
  }
  fs.mkdirSync(location.dataDir, { recursive: true });
  const sqlite = new Database(path.join(location.dataDir, 'triage.sqlite'));
  // WAL lets the `tickets` command read while the bot writes; busy_timeout rides out another process's lock.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  // What is erased or expires is overwritten on disk, not only unlinked: it cannot be read back from the file.
  sqlite.pragma('secure_delete = ON');
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: preparedOnce(sqlite) }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/** Brings the schema up to date; returns the names of the migrations it applied. */
export async function migrate(connection: Connection): Promise<string[]> {
  const migrator = new Migrator({ db: connection.db, provider: migrationProvider(connection.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`database migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
