import crypto from 'node:crypto';
import type { ConversationReference } from 'botbuilder';
import { sql, type Selectable } from 'kysely';
import { z } from 'zod';
import type { Db, HandoffsTable } from './schema';
import { JsonObject, parseJson, StringRecord } from './rows';

export type HandoffStatus = 'waiting' | 'active' | 'returned' | 'closed' | 'cancelled';
const StatusSchema = z.enum(['waiting', 'active', 'returned', 'closed', 'cancelled']);
const OPEN: HandoffStatus[] = ['waiting', 'active'];

export const HandoffRequestSchema = z.object({
  conversationId: z.string().min(1).max(500),
  channel: z.string().min(1).max(100),
  reference: z.record(z.string(), z.unknown()),
  intent: z.string().min(1).max(60),
  reason: z.string().min(1).max(60),
  fields: z.record(z.string(), z.string().max(10000)),
  ticketReference: z.string().max(20).optional(),
}).strict();
export type HandoffRequest = z.infer<typeof HandoffRequestSchema>;

export interface Handoff extends Omit<HandoffRequest, 'reference'> {
  id: string;
  reference: Partial<ConversationReference>;
  status: HandoffStatus;
  agent?: string;
  createdAt: string;
  claimedAt?: string;
  endedAt?: string;
}

function fromRow(r: Selectable<HandoffsTable>): Handoff {
  return {
    id: r.id, conversationId: r.conversation_id, channel: r.channel,
    reference: parseJson('handoffs.reference', r.reference, JsonObject) as Partial<ConversationReference>,
    intent: r.intent, reason: r.reason, fields: parseJson('handoffs.fields', r.fields, StringRecord),
    ...(r.ticket_reference ? { ticketReference: r.ticket_reference } : {}), status: StatusSchema.parse(r.status),
    ...(r.agent ? { agent: r.agent } : {}), createdAt: r.created_at,
    ...(r.claimed_at ? { claimedAt: r.claimed_at } : {}), ...(r.ended_at ? { endedAt: r.ended_at } : {}),
  };
}

/**
 * The persisted queue of conversations handed to a person. One open hand-off per conversation (a turn
 * opens it, and turns of one conversation run one at a time); claiming is a single conditional UPDATE,
 * so two agents, on any instances, can never both take the same one.
 */
export class HandoffQueue {
  private lastCreated = 0;

  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  /** Queues the conversation, or refreshes the open hand-off it already has (fields, ticket). */
  async open(input: HandoffRequest): Promise<{ handoff: Handoff; created: boolean }> {
    const req = HandoffRequestSchema.parse(input);
    const existing = await this.openFor(req.conversationId);
    if (existing) {
      await this.db.updateTable('handoffs')
        .set({ fields: JSON.stringify({ ...existing.fields, ...req.fields }), ticket_reference: req.ticketReference ?? existing.ticketReference ?? null })
        .where('id', '=', existing.id).execute();
      return { handoff: (await this.get(existing.id)) ?? existing, created: false };
    }
    const id = crypto.randomUUID();
    // The queue is in order of arrival: two hand-offs of this instance never share a millisecond.
    this.lastCreated = Math.max(this.now(), this.lastCreated + 1);
    await this.db.insertInto('handoffs').values({
      id, conversation_id: req.conversationId, channel: req.channel, reference: JSON.stringify(req.reference), intent: req.intent,
      reason: req.reason, fields: JSON.stringify(req.fields), ticket_reference: req.ticketReference ?? null, status: 'waiting',
      agent: null, created_at: new Date(this.lastCreated).toISOString(), claimed_at: null, ended_at: null,
    }).execute();
    return { handoff: (await this.get(id)) as Handoff, created: true };
  }

  /** The conversation's most recent hand-off, open or ended. */
  async lastFor(conversationId: string): Promise<Handoff | undefined> {
    const row = await this.db.selectFrom('handoffs').selectAll().where('conversation_id', '=', conversationId)
      .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async get(id: string): Promise<Handoff | undefined> {
    const r = await this.db.selectFrom('handoffs').selectAll().where('id', '=', id).executeTakeFirst();
    return r && fromRow(r);
  }

  /** The conversation's waiting or active hand-off, if any. */
  async openFor(conversationId: string): Promise<Handoff | undefined> {
    const r = await this.db.selectFrom('handoffs').selectAll().where('conversation_id', '=', conversationId).where('status', 'in', OPEN)
      .orderBy('created_at', 'desc').limit(1).executeTakeFirst();
    return r && fromRow(r);
  }

  /** Waiting conversations, oldest first, then those already taken. */
  async list(): Promise<Handoff[]> {
    const rows = await this.db.selectFrom('handoffs').selectAll().where('status', 'in', OPEN)
      .orderBy(sql`CASE WHEN status = 'active' THEN 1 ELSE 0 END`).orderBy('created_at').orderBy('id').execute();
    return rows.map(fromRow);
  }

  /** How many conversations were waiting before this one. */
  async position(handoff: Handoff): Promise<number> {
    const r = await this.db.selectFrom('handoffs').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'waiting')
      // Opened in the same millisecond: the queue's order (list) decides, by id.
      .where((eb) => eb.or([eb('created_at', '<', handoff.createdAt), eb.and([eb('created_at', '=', handoff.createdAt), eb('id', '<', handoff.id)])]))
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Gives a waiting hand-off to one agent; undefined if it was no longer waiting (someone else was first). */
  async claim(id: string, agent: string): Promise<Handoff | undefined> {
    const r = await this.db.updateTable('handoffs').set({ status: 'active', agent, claimed_at: new Date(this.now()).toISOString() })
      .where('id', '=', id).where('status', '=', 'waiting').executeTakeFirst();
    return Number(r.numUpdatedRows) === 1 ? this.get(id) : undefined;
  }

  /** Ends an open hand-off; undefined if it had already ended. */
  async end(id: string, status: Exclude<HandoffStatus, 'waiting' | 'active'>): Promise<Handoff | undefined> {
    const r = await this.db.updateTable('handoffs').set({ status, ended_at: new Date(this.now()).toISOString() })
      .where('id', '=', id).where('status', 'in', OPEN).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1 ? this.get(id) : undefined;
  }
}
