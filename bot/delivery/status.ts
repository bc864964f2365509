import type { Delivery } from '../store/deliveries';

const KIND: Record<Delivery['kind'], string> = { email: 'email', webhook: 'webhook', acknowledgement: 'acknowledgement to the customer' };

/** "delivered 2026-…", "pending", "retrying: attempt 3, next at … (connection refused)", "failed: reason". */
export function deliveryStatus(d: Delivery): string {
  if (d.status === 'delivered') return `delivered ${d.deliveredAt ?? ''}`.trim();
  if (d.status === 'failed') return `failed: ${d.lastError ?? 'unknown reason'}`;
  if (!d.lastError) return d.attempts > 0 ? 'sending' : 'pending';
  return `retrying: attempt ${d.attempts + 1}, next at ${new Date(d.nextAt).toISOString()} (${d.lastError})`;
}

/** One line per delivery: "email to support@example.com: delivered 2026-…". */
export function deliveryLine(d: Delivery): string {
  return `${KIND[d.kind]} to ${d.target}: ${deliveryStatus(d)}`;
}
