import crypto from 'node:crypto';
import { sql, type Selectable, type Transaction } from 'kysely';
import { z } from 'zod';
import type { Db, Dialect, Tables, TicketDeliveriesTable } from './schema';

export const DeliveryKindSchema = z.enum(['email', 'webhook', 'acknowledgement']);
export type DeliveryKind = z.infer<typeof DeliveryKindSchema>;
const DeliveryStatusSchema = z.enum(['pending', 'delivered', 'failed']);

/** Where a ticket is to be delivered, decided when it is opened. */
export interface PlannedDelivery { kind: DeliveryKind; target: string }

export interface Delivery {
  id: string;
  ticketId: string;
  kind: DeliveryKind;
  /** The address or URL it goes to. */
  target: string;
  status: z.infer<typeof DeliveryStatusSchema>;
  /** Sends tried so far (a claim counts, so a send cut short by a crash counts too). */
  attempts: number;
  /** When it is due (ms since the epoch). */
  nextAt: number;
  lastError?: string;
  deliveredAt?: string;
}

const ERROR_MAX = 500;

function fromRow(r: Selectable<TicketDeliveriesTable>): Delivery {
  return {
    id: r.id, ticketId: r.ticket_id, kind: DeliveryKindSchema.parse(r.kind), target: r.target, status: DeliveryStatusSchema.parse(r.status),
    attempts: Number(r.attempts), nextAt: Number(r.next_at),
    ...(r.last_error ? { lastError: r.last_error } : {}), ...(r.delivered_at ? { deliveredAt: r.delivered_at } : {}),
  };
}

/** Writes a new ticket's deliveries in the transaction that writes the ticket. */
export async function insertDeliveries(tx: Transaction<Tables>, ticketId: string, planned: PlannedDelivery[], now: number): Promise<void> {
  if (planned.length === 0) return;
  await tx.insertInto('ticket_deliveries').values(planned.map((p) => ({
    id: crypto.randomUUID(), ticket_id: ticketId, kind: p.kind, target: p.target, status: 'pending',
    next_at: Math.floor(now), lease_until: null, last_error: null, delivered_at: null, created_at: new Date(now).toISOString(),
  }))).execute();
}

/**
 * The outbox. A worker claims due deliveries for a lease (one instance sends each: on PostgreSQL the
 * claim skips rows another instance has locked), sends them, and records the outcome. A claim left by a
 * process that died is taken again when its lease runs out; the receiver sees the same Message-ID or
 * idempotency key and keeps one.
 */
export class DeliveryStore {
  constructor(private readonly db: Db, private readonly dialect: Dialect, private readonly now: () => number = Date.now) {}

  async claim(limit: number, leaseMs: number): Promise<Delivery[]> {
    const now = this.now();
    return this.db.transaction().execute(async (tx) => {
      const due = tx.selectFrom('ticket_deliveries').select('id')
        .where('status', '=', 'pending').where('next_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
        .orderBy('next_at').limit(limit);
      const ids = (await (this.dialect === 'postgres' ? due.forUpdate().skipLocked() : due).execute()).map((r) => r.id);
      if (ids.length === 0) return [];
      const rows = await tx.updateTable('ticket_deliveries')
        .set({ lease_until: Math.ceil(now + leaseMs), attempts: sql<number>`attempts + 1` })
        .where('id', 'in', ids).returningAll().execute();
      return rows.map(fromRow);
    });
  }

  async delivered(id: string): Promise<void> {
    await this.db.updateTable('ticket_deliveries')
      .set({ status: 'delivered', delivered_at: new Date(this.now()).toISOString(), lease_until: null, last_error: null })
      .where('id', '=', id).execute();
  }

  /** A failure worth another try at `at`. Never undoes a delivery another instance completed meanwhile. */
  async retryAt(id: string, at: number, error: string): Promise<void> {
    await this.db.updateTable('ticket_deliveries').set({ next_at: Math.ceil(at), lease_until: null, last_error: error.slice(0, ERROR_MAX) })
      .where('id', '=', id).where('status', '=', 'pending').execute();
  }

  /** Given up: a permanent refusal, or the last attempt. Kept with the reason until an agent retries it. */
  async failed(id: string, error: string): Promise<void> {
    await this.db.updateTable('ticket_deliveries').set({ status: 'failed', lease_until: null, last_error: error.slice(0, ERROR_MAX) })
      .where('id', '=', id).where('status', '=', 'pending').execute();
  }

  /** An agent's "retry": a failed delivery is due again now, with its attempts counted afresh. */
  async retry(id: string): Promise<boolean> {
    const r = await this.db.updateTable('ticket_deliveries').set({ status: 'pending', attempts: 0, next_at: Math.floor(this.now()), lease_until: null })
      .where('id', '=', id).where('status', '=', 'failed').executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async get(id: string): Promise<Delivery | undefined> {
    const row = await this.db.selectFrom('ticket_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** The deliveries of these tickets, by ticket id, oldest first. */
  async forTickets(ticketIds: string[]): Promise<Map<string, Delivery[]>> {
    const byTicket = new Map<string, Delivery[]>();
    for (let i = 0; i < ticketIds.length; i += 500) {
      const rows = await this.db.selectFrom('ticket_deliveries').selectAll().where('ticket_id', 'in', ticketIds.slice(i, i + 500))
        .orderBy('created_at').orderBy('kind').execute();
      for (const r of rows) byTicket.set(r.ticket_id, [...(byTicket.get(r.ticket_id) ?? []), fromRow(r)]);
    }
    return byTicket;
  }
}
