import crypto from 'node:crypto';
import { DeliveryFailure, networkReason, retryAfterMs } from './failure';
import { WebhookBodySchema, type TicketPayload } from './payload';

export const SIGNATURE_HEADER = 'x-kartra-signature';

export interface WebhookTarget { url: string; secret: string; timeoutMs: number }

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the shared secret>`, as Stripe signs its
 * webhooks: a receiver recomputes it over the raw body, compares in constant time, and refuses old
 * timestamps (a replayed request).
 */
export function sign(secret: string, body: string, at: number): string {
  const t = Math.floor(at / 1000);
  return `t=${t},v1=${crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** Posts the ticket; resolves when the receiver took it (2xx), throws DeliveryFailure otherwise. */
export async function sendWebhook(target: WebhookTarget, deliveryId: string, ticket: TicketPayload, now = Date.now()): Promise<void> {
  const body = JSON.stringify(WebhookBodySchema.parse({ id: deliveryId, type: 'ticket.created', ticket }));
  let res: Response;
  try {
    res = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': deliveryId, [SIGNATURE_HEADER]: sign(target.secret, body, now), 'user-agent': 'kartra-triage-bot' },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(target.timeoutMs),
    });
  } catch (err) {
    throw new DeliveryFailure(`webhook: ${networkReason(err)}`, false);
  }
  // What the receiver says back is not needed, and need not be held.
  await res.body?.cancel().catch(() => undefined);
  if (res.ok) return;
  const refused = `webhook: the receiver answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  // 408, 429 and 5xx are the receiver's passing trouble; any other answer will not change by asking again.
  if (res.status === 408 || res.status === 429 || res.status >= 500) throw new DeliveryFailure(refused, false, retryAfterMs(res.headers.get('retry-after'), now));
  throw new DeliveryFailure(refused, true);
}
