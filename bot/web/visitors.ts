import jwt from 'jsonwebtoken';
import { z } from 'zod';

const ISSUER = 'kartra-triage-bot/visitor';
const PASS_DAYS = 365;
const ClaimsSchema = z.object({ visitor: z.string().min(1).max(200) });

/**
 * A browser's own pass: the widget keeps it (apart from its conversation) and shows it when it starts a
 * new conversation, so the same visitor gets the same user id, and with it what they told the bot last
 * time (offered, never assumed). Signed here, so nobody becomes another visitor by naming their id.
 */
export class VisitorPasses {
  /** `key`: the `visitor_signing_key` setting, shared by every instance. */
  constructor(private readonly key: Buffer) {}

  issue(userId: string): string {
    return jwt.sign({ visitor: userId }, this.key, { algorithm: 'HS256', issuer: ISSUER, expiresIn: `${PASS_DAYS}d` });
  }

  /** The visitor's user id, or undefined for a pass that is forged, altered or too old. */
  userOf(pass: string | undefined): string | undefined {
    if (!pass) return undefined;
    try {
      const parsed = ClaimsSchema.safeParse(jwt.verify(pass, this.key, { algorithms: ['HS256'], issuer: ISSUER }));
      return parsed.success ? parsed.data.visitor : undefined;
    } catch {
      return undefined;
    }
  }
}
