import crypto from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from './schema';
import { isEmailAddress } from '../emailAddress';
import { secretSetting } from './settings';

const Fields = z.record(z.string(), z.unknown());

export interface CustomerData {
  email: string;
  tickets: Array<Record<string, unknown>>;
  conversations: Array<{ id: string; transcript: Array<{ role: string; text: string; at: string }>; files: Array<{ id: string; name: string; contentType: string; size: number; base64: string }>; handoffs: Array<Record<string, unknown>>; events: Array<Record<string, unknown>> }>;
}
export type ErasedCounts = Record<'tickets' | 'conversations' | 'transcriptLines' | 'files' | 'handoffs' | 'events' | 'customerRecords', number>;

/** `text` as a LIKE pattern that matches it literally (with `escape '\'`): "_" and "%" are common in emails and ids. */
const literal = (text: string) => text.replace(/[\\%_]/g, '\\$&');
const containing = (column: string, text: string) => sql<boolean>`lower(${sql.ref(column)}) like ${`%${literal(text)}%`} escape '\\'`;
/** The address as a whole, not inside a longer one ("doe@example.com" is not in "jane.doe@example.com"). */
const wholeAddress = (email: string) => new RegExp(`(?<![\\w.+-])${email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-]|\\.[\\w-])`, 'i');

/** The conversation a bot state key belongs to (`<channel>/conversations/<id>/`), if it is one. */
const conversationOfKey = (key: string) => /\/conversations\/(.+)\/$/.exec(key)?.[1];

/**
 * Everything the bot holds about one customer, found by their email: the tickets whose account email it is,
 * the conversations that opened them or where it was written or collected (an abandoned form too), with
 * their transcripts, uploaded files, hand-offs and recorded events, and the email kept for a returning
 * customer. Export gives it whole; erase deletes it, and keeps the conversations' outcome events without
 * their text, so the lead's past figures do not change. Every export and erasure is recorded (who, when,
 * a keyed hash of the email, counts).
 */
export class PrivacyStore {
  private key: Promise<Buffer> | undefined;

  constructor(private readonly db: Db, private readonly dialect: 'sqlite' | 'postgres', private readonly now: () => number = Date.now) {}

  /** The customer as the audit keeps them: a keyed hash, so a guessed address cannot be checked against it. */
  async subjectOf(email: string): Promise<string> {
    this.key ??= secretSetting(this.db, 'privacy_audit_key');
    return `hmac:${crypto.createHmac('sha256', await this.key).update(email.trim().toLowerCase()).digest('hex').slice(0, 32)}`;
  }

  /**
   * The first step of an erasure: a token that lets `by` erase `email` within ten minutes. Signed, so any
   * instance can check it; bound to the agent and the address, so it cannot be reused for another.
   */
  async confirmation(email: string, by: string): Promise<string> {
    const until = this.now() + 10 * 60_000;
    return `${until}.${await this.sign(`${until}|${by}|${email.trim().toLowerCase()}`)}`;
  }

  async confirmed(token: string, email: string, by: string): Promise<boolean> {
    const [until = '', signature = ''] = token.split('.');
    if (!/^\d+$/.test(until) || Number(until) < this.now()) return false;
    const expected = Buffer.from(await this.sign(`${until}|${by}|${email.trim().toLowerCase()}`));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return false;
    // Used once: an erasure of this customer since the token was issued spends it.
    const issued = new Date(Number(until) - 10 * 60_000).toISOString();
    const since = await this.db.selectFrom('privacy_audit').select('seq').where('action', '=', 'erase').where('subject', '=', await this.subjectOf(email)).where('at', '>=', issued).executeTakeFirst();
    return since === undefined;
  }

  private async sign(text: string): Promise<string> {
    this.key ??= secretSetting(this.db, 'privacy_audit_key');
    return crypto.createHmac('sha256', await this.key).update(`confirm:${text}`).digest('base64url');
  }

  private async ticketsOf(email: string) {
    const wanted = email.trim().toLowerCase();
    // A coarse text match first, then the field itself: JSON is stored as text on both engines.
    const rows = await this.db.selectFrom('tickets').selectAll().where(containing('fields', wanted)).execute();
    return rows.filter((r) => {
      const fields = Fields.safeParse(JSON.parse(r.fields));
      return fields.success && String(fields.data.account_email ?? '').trim().toLowerCase() === wanted;
    });
  }

  /** The conversations the email belongs to: those that opened the tickets, and those it was written or collected in. */
  private async conversationsOf(email: string, tickets: Array<{ conversation_id: string }>): Promise<{ ids: string[]; stateKeys: string[] }> {
    const wanted = email.trim().toLowerCase();
    const whole = wholeAddress(wanted);
    const written = (await this.db.selectFrom('transcript_entries').select(['conversation_id', 'text']).where(containing('text', wanted)).execute()).filter((r) => whole.test(r.text));
    const states = (await this.db.selectFrom('bot_state').select(['key', 'data']).where('key', 'like', '%/conversations/%').where(containing('data', wanted)).execute()).filter((r) => whole.test(r.data));
    const ids = new Set([...tickets.map((t) => t.conversation_id), ...written.map((w) => w.conversation_id)]);
    for (const { key } of states) { const id = conversationOfKey(key); if (id) ids.add(id); }
    // Every state row of those conversations, whichever channel it is under.
    const stateKeys = new Set(states.map((st) => st.key));
    for (const id of ids) {
      const rows = await this.db.selectFrom('bot_state').select('key').where('key', 'like', sql<string>`${`%/conversations/${literal(id)}/`} escape '\\'`).execute();
      rows.forEach((r) => stateKeys.add(r.key));
    }
    return { ids: [...ids], stateKeys: [...stateKeys] };
  }

  private async customerRecordKeys(email: string): Promise<string[]> {
    const wanted = email.trim().toLowerCase();
    const rows = await this.db.selectFrom('bot_state').select(['key', 'data']).where('key', 'like', '%/users/%').where(containing('data', wanted)).execute();
    return rows.filter((r) => String((Fields.safeParse(JSON.parse(r.data)).data?.customer as { lastEmail?: string } | undefined)?.lastEmail ?? '').toLowerCase() === wanted).map((r) => r.key);
  }

  async export(email: string, by: string): Promise<CustomerData> {
    if (!isEmailAddress(email)) throw new Error('not an email address');
    const tickets = await this.ticketsOf(email);
    const { ids } = await this.conversationsOf(email, tickets);
    const conversations: CustomerData['conversations'] = [];
    for (const id of ids) {
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

  /** What an erasure would delete, without deleting anything (the first of the two steps). */
  async preview(email: string): Promise<Pick<ErasedCounts, 'tickets' | 'conversations' | 'customerRecords'>> {
    if (!isEmailAddress(email)) throw new Error('not an email address');
    const tickets = await this.ticketsOf(email);
    const { ids } = await this.conversationsOf(email, tickets);
    return { tickets: tickets.length, conversations: ids.length, customerRecords: (await this.customerRecordKeys(email)).length };
  }

  /** Deletes the customer's tickets, their conversations (everything in them but the outcome events' bare facts) and the email kept for them. */
  async erase(email: string, by: string): Promise<ErasedCounts> {
    if (!isEmailAddress(email)) throw new Error('not an email address');
    const tickets = await this.ticketsOf(email);
    const { ids, stateKeys } = await this.conversationsOf(email, tickets);
    const keys = await this.customerRecordKeys(email);
    const wanted = email.trim().toLowerCase();
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
        // The outcome stays counted (a ticket, a rating); what the customer wrote goes.
        c.events = Number((await tx.updateTable('conversation_events').set({ text: null }).where('conversation_id', 'in', ids).executeTakeFirst()).numUpdatedRows);
        await tx.deleteFrom('dl_activities').where('conversation_id', 'in', ids).execute();
        await tx.deleteFrom('dl_conversations').where('id', 'in', ids).execute();
        await tx.deleteFrom('turn_marks').where('conversation_id', 'in', ids).execute();
      }
      if (stateKeys.length) await tx.deleteFrom('bot_state').where('key', 'in', stateKeys).execute();
      // A sentence the review inbox learned that still holds the address.
      await tx.deleteFrom('training_examples').where(containing('text', wanted)).execute();
      if (keys.length) c.customerRecords = await n(tx.deleteFrom('bot_state').where('key', 'in', keys).executeTakeFirst());
      return c;
    });
    await this.audit(by, 'erase', email, counts);
    // SQLite keeps old page images in its write-ahead log until a checkpoint: write them back now, so the
    // erased rows (overwritten by secure_delete) are nowhere in the files.
    if (this.dialect === 'sqlite') await sql`pragma wal_checkpoint(TRUNCATE)`.execute(this.db);
    return counts;
  }

  async auditLog(limit = 50): Promise<Array<{ at: string; by: string; action: string; subject: string; counts: Record<string, number> }>> {
    const rows = await this.db.selectFrom('privacy_audit').selectAll().orderBy('seq', 'desc').limit(limit).execute();
    return rows.map((r) => ({ at: r.at, by: r.by, action: r.action, subject: r.subject, counts: z.record(z.string(), z.number()).catch({}).parse(JSON.parse(r.counts)) }));
  }

  private async audit(by: string, action: 'export' | 'erase', email: string, counts: Record<string, number>): Promise<void> {
    await this.db.insertInto('privacy_audit').values({ at: new Date(this.now()).toISOString(), by, action, subject: await this.subjectOf(email), counts: JSON.stringify(counts) }).execute();
  }
}
