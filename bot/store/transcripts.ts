import { z } from 'zod';
import { TranscriptEntrySchema, type TranscriptEntry } from '../tickets/ticket';
import type { Db } from './schema';
import { parseJson } from './rows';
import { currentTurn } from './turnUnit';

const Role = TranscriptEntrySchema.shape.role;
const Attachments = TranscriptEntrySchema.shape.attachments;

/** Inserts one line; returns its sequence number (live relays name lines by it). */
export async function insertTranscript(db: Db, conversationId: string, entry: TranscriptEntry): Promise<number> {
  const row = await db.insertInto('transcript_entries').values({
    conversation_id: conversationId, role: entry.role, text: entry.text, attachments: JSON.stringify(entry.attachments), at: entry.at,
  }).returning('seq').executeTakeFirstOrThrow();
  return Number(row.seq);
}

export interface NumberedEntry extends TranscriptEntry { seq: number }

export class TranscriptStore {
  constructor(private readonly db: Db) {}

  /** Written with the turn's commit when called inside a turn of that conversation, else at once. */
  async append(conversationId: string, entry: TranscriptEntry): Promise<void> {
    const unit = currentTurn(conversationId);
    if (unit) unit.transcript.push(entry); else await insertTranscript(this.db, conversationId, entry);
  }

  /** The transcript so far, including what the current turn has said (a ticket opened mid-turn holds it). */
  async list(conversationId: string): Promise<TranscriptEntry[]> {
    const stored = (await this.entries(conversationId, 0)).map(({ seq: _seq, ...e }) => e);
    return [...stored, ...(currentTurn(conversationId)?.transcript ?? [])];
  }

  /** Stored lines after `afterSeq` (and up to `toSeq`), with their numbers. */
  async entries(conversationId: string, afterSeq: number, toSeq?: number): Promise<NumberedEntry[]> {
    let q = this.db.selectFrom('transcript_entries').select(['seq', 'role', 'text', 'attachments', 'at'])
      .where('conversation_id', '=', conversationId).where('seq', '>', afterSeq);
    if (toSeq !== undefined) q = q.where('seq', '<=', toSeq);
    const rows = await q.orderBy('seq').execute();
    return rows.map((r) => ({
      seq: Number(r.seq), role: Role.parse(r.role), text: r.text, at: r.at,
      attachments: parseJson('transcript_entries.attachments', r.attachments, z.array(Attachments.element)),
    }));
  }

  /** The number of the conversation's latest stored line (0 when none). */
  async lastSeq(conversationId: string): Promise<number> {
    const r = await this.db.selectFrom('transcript_entries').select((eb) => eb.fn.max('seq').as('seq')).where('conversation_id', '=', conversationId).executeTakeFirst();
    return Number(r?.seq ?? 0);
  }
}
