import crypto from 'node:crypto';
import type { Db } from '../storage/database';
import { z } from 'zod';
import { NewTicketSchema, TranscriptEntrySchema, type NewTicket, type Ticket, type TicketStatus, type TicketStore, type TicketUpdate } from './ticket';

interface Row {
  id: string; reference: string; idempotency_key: string; department: string; subject: string; status: string;
  intent: string; channel: string; conversation_id: string; user_id: string; note: string | null; fields: string;
  attachments: string; transcript: string; created_at: string; updated_at: string;
}

// No 0/O or 1/I: people read references out over the phone.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export function newReference(): string {
  const bytes = crypto.randomBytes(6);
  return `KT-${Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('')}`;
}

function fromRow(r: Row): Ticket {
  return {
    id: r.id, reference: r.reference, idempotencyKey: r.idempotency_key, department: r.department,
    subject: r.subject, status: r.status as TicketStatus, intent: r.intent, channel: r.channel,
    conversationId: r.conversation_id, userId: r.user_id, ...(r.note ? { note: r.note } : {}),
    fields: JSON.parse(r.fields) as Ticket['fields'], attachments: JSON.parse(r.attachments) as Ticket['attachments'],
    transcript: JSON.parse(r.transcript) as Ticket['transcript'], createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export class SqliteTicketStore implements TicketStore {
  constructor(private readonly db: Db) {}

  async create(input: NewTicket): Promise<Ticket> {
    const t = NewTicketSchema.parse(input);
    return this.db.transaction((): Ticket => {
      const existing = this.db.prepare<[string], Row>('SELECT * FROM tickets WHERE idempotency_key = ?').get(t.idempotencyKey);
      if (existing) return fromRow(existing);
      const now = new Date().toISOString();
      const ticket: Ticket = { ...t, id: crypto.randomUUID(), reference: newReference(), status: 'open', createdAt: now, updatedAt: now };
      this.db.prepare(`INSERT INTO tickets (id, reference, idempotency_key, department, subject, status, intent, channel,
          conversation_id, user_id, note, fields, attachments, transcript, created_at, updated_at)
        VALUES (@id, @reference, @idempotencyKey, @department, @subject, @status, @intent, @channel,
          @conversationId, @userId, @note, @fields, @attachments, @transcript, @createdAt, @updatedAt)`).run({
        ...ticket, note: ticket.note ?? null, fields: JSON.stringify(ticket.fields),
        attachments: JSON.stringify(ticket.attachments), transcript: JSON.stringify(ticket.transcript),
      });
      return ticket;
    }).immediate();
  }

  async update(reference: string, changes: TicketUpdate): Promise<Ticket | undefined> {
    const transcript = changes.transcript ? JSON.stringify(z.array(TranscriptEntrySchema).parse(changes.transcript)) : null;
    this.db.prepare('UPDATE tickets SET status = COALESCE(?, status), transcript = COALESCE(?, transcript), updated_at = ? WHERE reference = ?')
      .run(changes.status ?? null, transcript, new Date().toISOString(), reference);
    return this.byReference(reference);
  }

  async list(): Promise<Ticket[]> {
    return this.db.prepare<[], Row>('SELECT * FROM tickets ORDER BY created_at, reference').all().map(fromRow);
  }

  async openFor(conversationId: string): Promise<Ticket | undefined> {
    const row = this.db.prepare<[string], Row>("SELECT * FROM tickets WHERE conversation_id = ? AND status = 'open' ORDER BY created_at DESC, rowid DESC LIMIT 1").get(conversationId);
    return row ? fromRow(row) : undefined;
  }

  async byReference(reference: string): Promise<Ticket | undefined> {
    const row = this.db.prepare<[string], Row>('SELECT * FROM tickets WHERE reference = ?').get(reference);
    return row ? fromRow(row) : undefined;
  }
}
