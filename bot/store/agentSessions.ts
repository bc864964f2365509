import crypto from 'node:crypto';
import type { Db } from './schema';

const digest = (token: string) => crypto.createHash('sha256').update(token).digest('base64url');

/** Agent sign-ins: random tokens in an HttpOnly cookie; only their hashes are stored. They expire. */
export class AgentSessions {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now, readonly ttlSeconds = 8 * 3600) {}

  async create(agent: string): Promise<string> {
    const token = crypto.randomBytes(32).toString('base64url');
    await this.db.deleteFrom('agent_sessions').where('expires_at', '<=', this.now()).execute();
    await this.db.insertInto('agent_sessions').values({ id: digest(token), agent, expires_at: this.now() + this.ttlSeconds * 1000 }).execute();
    return token;
  }

  /** The stored id of a session (its token's hash): what live streams are tied to. */
  id(token: string): string {
    return digest(token);
  }

  /** Whether a session (by id) still exists and has not expired. */
  async active(id: string): Promise<boolean> {
    const row = await this.db.selectFrom('agent_sessions').select('expires_at').where('id', '=', id).executeTakeFirst();
    return row !== undefined && Number(row.expires_at) > this.now();
  }

  async agent(token: string | undefined): Promise<string | undefined> {
    if (!token) return undefined;
    const row = await this.db.selectFrom('agent_sessions').select(['agent', 'expires_at']).where('id', '=', digest(token)).executeTakeFirst();
    return row && Number(row.expires_at) > this.now() ? row.agent : undefined;
  }

  async destroy(token: string | undefined): Promise<void> {
    if (token) await this.db.deleteFrom('agent_sessions').where('id', '=', digest(token)).execute();
  }
}
