import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PublicAddress } from './publicAddress';

const ALLOWED_HEADERS = 'Authorization, Content-Type, x-ms-bot-agent, X-Requested-With';

/**
 * Which web pages may call the widget's APIs from the browser: the bot's own origin, plus WIDGET_ORIGINS.
 * The check is enforced on the server too (a refused origin gets 403, not just a missing CORS header), so
 * a foreign page cannot mint tokens or read conversations even with a client that ignores CORS.
 */
export class OriginPolicy {
  private readonly any: boolean;
  private readonly allowed: Set<string>;

  constructor(origins: string[], private readonly address: PublicAddress) {
    this.any = origins.includes('*');
    this.allowed = new Set(origins.filter((o) => o !== '*').map((o) => o.toLowerCase()));
  }

  allows(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    // No Origin: not a cross-origin browser request (curl, the Node client, a same-origin GET).
    if (!origin) return true;
    return this.any || this.allowed.has(origin.toLowerCase()) || this.address.isOwnOrigin(origin);
  }

  /** Sets the CORS response headers; false when the origin is refused (the caller answers 403). */
  apply(req: IncomingMessage, res: ServerResponse): boolean {
    res.setHeader('Vary', 'Origin');
    if (!this.allows(req)) return false;
    const origin = req.headers.origin;
    if (origin) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    return true;
  }
}
