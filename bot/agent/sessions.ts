import crypto from 'node:crypto';
import type { Db } from '../storage/database';

const digest = (token: string) => crypto.createHash('sha256').update(token).digest('base64url');

/** Agent sign-ins: random tokens in an HttpOnly cookie; only their hashes are stored. They expire. */
export class AgentSessions {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now, readonly ttlSeconds = 8 * 3600) {}

  create(agent: string): string {
    const token = crypto.randomBytes(32).toString('base64url');
    this.db.prepare('DELETE FROM agent_sessions WHERE expires_at <= ?').run(this.now());
    this.db.prepare('INSERT INTO agent_sessions (id, agent, expires_at) VALUES (?, ?, ?)').run(digest(token), agent, this.now() + this.ttlSeconds * 1000);
    return token;
  }

  /** The stored id of a session (its token's hash): what live streams are tied to. */
  id(token: string): string {
    return digest(token);
  }

  /** Whether a session (by id) still exists and has not expired. */
  active(id: string): boolean {
    const row = this.db.prepare<[string], { expires_at: number }>('SELECT expires_at FROM agent_sessions WHERE id = ?').get(id);
    return row !== undefined && row.expires_at > this.now();
  }

  agent(token: string | undefined): string | undefined {
    if (!token) return undefined;
    const row = this.db.prepare<[string], { agent: string; expires_at: number }>('SELECT agent, expires_at FROM agent_sessions WHERE id = ?').get(digest(token));
    return row && row.expires_at > this.now() ? row.agent : undefined;
  }

  destroy(token: string | undefined): void {
    if (token) this.db.prepare('DELETE FROM agent_sessions WHERE id = ?').run(digest(token));
  }
}
