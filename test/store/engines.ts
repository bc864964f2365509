// The two engines every store contract runs on: SQLite in a fresh folder, PostgreSQL in a fresh database
// on the server the test run started (test/store/globalSetup.ts).
import crypto from 'node:crypto';
import pg from 'pg';
import { connect, migrate, type Connection } from '../../bot/store/connect';
import { tempDir } from '../tmp';

export const ENGINES = ['sqlite', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

/** A new, empty database of that engine; its URL for PostgreSQL (other processes can open it too). */
export async function freshLocation(engine: Engine): Promise<{ dataDir: string; databaseUrl?: string }> {
  const dataDir = tempDir('kt-store-');
  if (engine === 'sqlite') return { dataDir };
  const server = process.env.TEST_POSTGRES_URL;
  if (!server) throw new Error('TEST_POSTGRES_URL is not set: jest.config.js starts PostgreSQL in its globalSetup');
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: `${server}/postgres` });
  await admin.connect();
  try { await admin.query(`CREATE DATABASE ${name}`); } finally { await admin.end(); }
  return { dataDir, databaseUrl: `${server}/${name}` };
}

/** A migrated connection to a new database of that engine. */
export async function freshStore(engine: Engine): Promise<Connection> {
  const connection = connect(await freshLocation(engine));
  await migrate(connection);
  return connection;
}
