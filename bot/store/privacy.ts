import crypto from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from './schema';
import { isEmailAddress } from '../emailAddress';

const Fields = z.record(z.string(), z.unknown());

export interface CustomerData {
  email: string;
  tickets: Array<Record<string, unknown>>;
  conversations: Array<{ id: string; transcript: Array<{ role: string; text: string; at: string }>; files: Array<{ id: string; name: string; contentType: string; size: number; base64: string }>; handoffs: Array<Record<string, unknown>>; events: Array<Record<string, unknown>> }>;
}
export type ErasedCounts = Record<'tickets' | 'conversations' | 'transcriptLines' | 'files' | 'handoffs' | 'events' | 'customerRecords', number>;

/** A customer's account email as the audit keeps it: a hash, so the audit does not hold what was erased. */
export const subjectOf = (email: string) => `sha256:${crypto.createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32)}`;

/**
 * Everything the bot holds about one customer, found by the account email on their tickets (and the
 * email kept for a returning customer): the tickets, and each conversation that opened one with its
 * transcript, uploaded files, hand-offs and recorded events. Export gives it whole; erase deletes it.
 * Every export and erasure is recorded (who, when, a hash of the email, counts).
 */
export class PrivacyStore {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  private async ticketsOf(email: string) {
    const wanted = email.trim().toLowerCase();
    // A coarse text match first, then the field itself: JSON is stored as text on both engines.
    const rows = await this.db.selectFrom('tickets').selectAll().where(sql<string>`lower(fields)`, 'like', `%${wanted.replace(/[%_\\]/g, '')}%`).execute();
    return rows.filter((r) => {
      const fields = Fields.safeParse(JSON.parse(r.fields));
      return fields.success && String(fields.data.account_email ?? '').trim().toLowerCase() === wanted;
    });
  }

  private async customerRecordKeys(email: string): Promise<string[]> {
    const wanted = email.trim().toLowerCase();
    const rows = await this.db.selectFrom('bot_state').select(['key', 'data']).where('key', 'like', '%/users/%').execute();
    return rows.filter((r) => String((Fields.safeParse(JSON.parse(r.data)).data?.customer as { lastEmail?: string } | undefined)?.lastEmail ?? '').toLowerCase() === wanted).map((r) => r.key);
  }

  async export(email: string, by: string): Promise<CustomerData> {
    if (!isEmailAddress(email)) throw new Error('not an email address');
    const tickets = await this.ticketsOf(email);
    const conversationIds = [...new Set(tickets.map((t) => t.conversation_id))];
    const conversations: CustomerData['conversations'] = [];
    for (const id of conversationIds) {
      const transcript = await this.db.selectFrom('transcript_entries').select(['role', 'text', 'at']).where('conversation_id', '=', id).orderBy('seq').execute();
      const files = await this.db.selectFrom('files').selectAll().where('conversation_id', '=', id).execute();
      const handoffs = await this.db.selectFrom('handoffs').select(['id', 'status', 'agent', 'intent', 'reason', 'fields', 'created_at', 'ended_at']).where('conversation_id', '=', id).execute();
      const events = await this.db.selectFrom('conversation_events').select(['at', 'kind', 'intent', 'detail', 'rating', 'text']).where('conversation_id', '=', id).orderBy('seq').execute();
      conversations.push({
        id, transcript,
        files: files.map((f) => ({ id: f.id, name: f.name, contentType: f.content_type, size: Number(f.size), base64: Buffer.from(f.data).toString('base64') })),
        handoffs: handoffs.map((h) => ({ ...h, fields: JSON.parse(h.fields) as unknown })), events,
      });
    }
    await this.audit(by, 'export', email, { tickets: tickets.length, conversations: conversations.length });
    return {
      email: email.trim(),
      tickets: tickets.map((t) => ({ ...t, fields: JSON.parse(t.fields) as unknown, attachments: JSON.parse(t.attachments) as unknown, transcript: JSON.parse(t.transcript) as unknown })),
      conversations,
    };
  }

  /** Deletes the customer's tickets, the conversations that opened them (everything in them) and the email kept for them. */
  async erase(email: string, by: string): Promise<ErasedCounts> {
    if (!isEmailAddress(email)) throw new Error('not an email address');
    const tickets = await this.ticketsOf(email);
    const ids = [...new Set(tickets.map((t) => t.conversation_id))];
    const keys = await this.customerRecordKeys(email);
    const counts = await this.db.transaction().execute(async (tx) => {
      const n = async (q: Promise<{ numDeletedRows: bigint }>) => Number((await q).numDeletedRows);
      const c: ErasedCounts = { tickets: 0, conversations: ids.length, transcriptLines: 0, files: 0, handoffs: 0, events: 0, customerRecords: 0 };
      if (tickets.length) {
        await tx.deleteFrom('ticket_deliveries').where('ticket_id', 'in', tickets.map((t) => t.id)).execute();
        c.tickets = await n(tx.deleteFrom('tickets').where('id', 'in', tickets.map((t) => t.id)).executeTakeFirst());
      }
      if (ids.length) {
        c.transcriptLines = await n(tx.deleteFrom('transcript_entries').where('conversation_id', 'in', ids).executeTakeFirst());
        c.files = await n(tx.deleteFrom('files').where('conversation_id', 'in', ids).executeTakeFirst());
        c.handoffs = await n(tx.deleteFrom('handoffs').where('conversation_id', 'in', ids).executeTakeFirst());
        c.events = await n(tx.deleteFrom('conversation_events').where('conversation_id', 'in', ids).executeTakeFirst());
        await tx.deleteFrom('dl_activities').where('conversation_id', 'in', ids).execute();
        await tx.deleteFrom('dl_conversations').where('id', 'in', ids).execute();
        await tx.deleteFrom('turn_marks').where('conversation_id', 'in', ids).execute();
        for (const id of ids) await tx.deleteFrom('bot_state').where('key', 'like', `%/conversations/${id.replace(/[%_\\]/g, '')}/`).execute();
      }
      if (keys.length) c.customerRecords = await n(tx.deleteFrom('bot_state').where('key', 'in', keys).executeTakeFirst());
      return c;
    });
    await this.audit(by, 'erase', email, counts);
    return counts;
  }

  async auditLog(limit = 50): Promise<Array<{ at: string; by: string; action: string; subject: string; counts: Record<string, number> }>> {
    const rows = await this.db.selectFrom('privacy_audit').selectAll().orderBy('seq', 'desc').limit(limit).execute();
    return rows.map((r) => ({ at: r.at, by: r.by, action: r.action, subject: r.subject, counts: z.record(z.string(), z.number()).catch({}).parse(JSON.parse(r.counts)) }));
  }

  private async audit(by: string, action: 'export' | 'erase', email: string, counts: Record<string, number>): Promise<void> {
    await this.db.insertInto('privacy_audit').values({ at: new Date(this.now()).toISOString(), by, action, subject: subjectOf(email), counts: JSON.stringify(counts) }).execute();
  }
}
