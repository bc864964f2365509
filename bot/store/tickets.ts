import crypto from 'node:crypto';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import {
  AttachmentRefSchema, NewTicketSchema, TranscriptEntrySchema,
  type NewTicket, type Ticket, type TicketStatus, type TicketStore, type TicketUpdate,
} from '../tickets/ticket';
import { insertDeliveries, type PlannedDelivery } from './deliveries';
import type { Db, TicketsTable } from './schema';
import { parseJson, StringRecord } from './rows';

// No 0/O or 1/I: people read references out over the phone.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export function newReference(): string {
  const bytes = crypto.randomBytes(6);
  return `KT-${Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('')}`;
}

const StatusSchema = z.enum(['open', 'pending', 'resolved']);

function fromRow(r: Selectable<TicketsTable>): Ticket {
  return {
    id: r.id, reference: r.reference, idempotencyKey: r.idempotency_key, department: r.department,
    subject: r.subject, status: StatusSchema.parse(r.status), intent: r.intent, channel: r.channel,
    conversationId: r.conversation_id, userId: r.user_id, ...(r.note ? { note: r.note } : {}),
    fields: parseJson('tickets.fields', r.fields, StringRecord),
    attachments: parseJson('tickets.attachments', r.attachments, z.array(AttachmentRefSchema)),
    transcript: parseJson('tickets.transcript', r.transcript, z.array(TranscriptEntrySchema)),
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

/** Where a new ticket goes (the help desk's address, the webhook…): none when nothing is configured. */
export type DeliveryPlan = (ticket: Ticket) => PlannedDelivery[];

export class SqlTicketStore implements TicketStore {
  /** Set by the app from its configuration; tools that only read tickets leave it empty. */
  plan: DeliveryPlan = () => [];

  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  /**
   * Same idempotency key, same ticket: the insert is skipped on conflict and the stored one returned.
   * The ticket's deliveries (the outbox) are written in the same transaction, so a ticket never exists
   * without them, and a replayed turn adds none.
   */
  async create(input: NewTicket): Promise<Ticket> {
    const t = NewTicketSchema.parse(input);
    const at = this.now();
    const now = new Date(at).toISOString();
    const ticket: Ticket = { ...t, id: crypto.randomUUID(), reference: newReference(), status: 'open', createdAt: now, updatedAt: now };
    await this.db.transaction().execute(async (tx) => {
      const inserted = await tx.insertInto('tickets').values({
        id: ticket.id, reference: ticket.reference, idempotency_key: ticket.idempotencyKey, department: ticket.department,
        subject: ticket.subject, status: ticket.status, intent: ticket.intent, channel: ticket.channel,
        conversation_id: ticket.conversationId, user_id: ticket.userId, note: ticket.note ?? null,
        fields: JSON.stringify(ticket.fields), attachments: JSON.stringify(ticket.attachments),
        transcript: JSON.stringify(ticket.transcript), created_at: now, updated_at: now,
      }).onConflict((oc) => oc.column('idempotency_key').doNothing()).executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) await insertDeliveries(tx, ticket.id, this.plan(ticket), at);
    });
    const stored = await this.db.selectFrom('tickets').selectAll().where('idempotency_key', '=', t.idempotencyKey).executeTakeFirstOrThrow();
    return fromRow(stored);
  }

  async update(reference: string, changes: TicketUpdate): Promise<Ticket | undefined> {
    const set: { updated_at: string; status?: TicketStatus; transcript?: string } = { updated_at: new Date().toISOString() };
    if (changes.status) set.status = changes.status;
    if (changes.transcript) set.transcript = JSON.stringify(z.array(TranscriptEntrySchema).parse(changes.transcript));
    await this.db.updateTable('tickets').set(set).where('reference', '=', reference).execute();
    return this.byReference(reference);
  }

  async list(): Promise<Ticket[]> {
    return (await this.db.selectFrom('tickets').selectAll().orderBy('created_at').orderBy('reference').execute()).map(fromRow);
  }

  /** The newest tickets first. */
  async recent(limit: number): Promise<Ticket[]> {
    return (await this.db.selectFrom('tickets').selectAll().orderBy('created_at', 'desc').orderBy('reference').limit(limit).execute()).map(fromRow);
  }

  async openFor(conversationId: string): Promise<Ticket | undefined> {
    const row = await this.db.selectFrom('tickets').selectAll()
      .where('conversation_id', '=', conversationId).where('status', '=', 'open')
      .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async byId(id: string): Promise<Ticket | undefined> {
    const row = await this.db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async byReference(reference: string): Promise<Ticket | undefined> {
    const row = await this.db.selectFrom('tickets').selectAll().where('reference', '=', reference).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }
}
