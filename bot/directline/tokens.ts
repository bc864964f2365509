import jwt from 'jsonwebtoken';
import { z } from 'zod';

const ISSUER = 'kartra-triage-bot/directline';
const ClaimsSchema = z.object({ conv: z.string().min(1), user: z.string().min(1), iat: z.number(), exp: z.number() });
export type TokenClaims = z.infer<typeof ClaimsSchema>;

export type TokenCheck =
  | { ok: true; claims: TokenClaims }
  | { ok: false; reason: 'missing' | 'invalid' | 'expired' | 'wrong_conversation'; claims?: TokenClaims };

/**
 * Direct Line tokens for the local channel: HS256 JWTs bound to one conversation and one user. The signing
 * key lives in the database, so tokens stay valid across a restart (a reload after a deploy resumes).
 */
export class DirectLineTokens {
  readonly ttlSeconds: number;

  /** `key`: the `directline_signing_key` setting (bot/store/settings), shared by every instance. */
  constructor(private readonly key: Buffer, private readonly now: () => number = Date.now, ttlSeconds = 30 * 60) {
    this.ttlSeconds = ttlSeconds;
  }

  issue(conversationId: string, userId: string): string {
    const iat = Math.floor(this.now() / 1000);
    return jwt.sign({ conv: conversationId, user: userId, iat, exp: iat + this.ttlSeconds }, this.key, { algorithm: 'HS256', issuer: ISSUER });
  }

  /**
   * A returning page (reloaded, or reopened later) may renew the token of its conversation even after it
   * expired, within a grace period: the signature still proves the conversation is theirs.
   */
  renewable(token: string, conversationId: string, graceSeconds = 7 * 24 * 3600): TokenClaims | undefined {
    const check = this.verify(token, conversationId);
    if (check.ok) return check.claims;
    if (check.reason === 'expired' && check.claims?.conv === conversationId && (check.claims.exp + graceSeconds) * 1000 > this.now()) return check.claims;
    return undefined;
  }

  /** Checks a token and, when given, that it belongs to this conversation. */
  verify(token: string | undefined, conversationId?: string): TokenCheck {
    if (!token) return { ok: false, reason: 'missing' };
    let payload: unknown;
    try {
      payload = jwt.verify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER, ignoreExpiration: true });
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    const parsed = ClaimsSchema.safeParse(payload);
    if (!parsed.success) return { ok: false, reason: 'invalid' };
    const claims = parsed.data;
    if (claims.exp * 1000 <= this.now()) return { ok: false, reason: 'expired', claims };
    if (conversationId !== undefined && claims.conv !== conversationId) return { ok: false, reason: 'wrong_conversation' };
    return { ok: true, claims };
  }
}

/** `Authorization: Bearer <token>` → the token. */
export function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}
