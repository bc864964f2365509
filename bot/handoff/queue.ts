import crypto from 'node:crypto';
import type { ConversationReference } from 'botbuilder';
import { z } from 'zod';
import type { Db } from '../storage/database';

export type HandoffStatus = 'waiting' | 'active' | 'returned' | 'closed' | 'cancelled';
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

interface Row {
  id: string; conversation_id: string; channel: string; reference: string; intent: string; reason: string; fields: string;
  ticket_reference: string | null; status: string; agent: string | null; created_at: string; claimed_at: string | null; ended_at: string | null;
}

function fromRow(r: Row): Handoff {
  return {
    id: r.id, conversationId: r.conversation_id, channel: r.channel, reference: JSON.parse(r.reference) as Partial<ConversationReference>,
    intent: r.intent, reason: r.reason, fields: JSON.parse(r.fields) as Record<string, string>,
    ...(r.ticket_reference ? { ticketReference: r.ticket_reference } : {}), status: r.status as HandoffStatus,
    ...(r.agent ? { agent: r.agent } : {}), createdAt: r.created_at,
    ...(r.claimed_at ? { claimedAt: r.claimed_at } : {}), ...(r.ended_at ? { endedAt: r.ended_at } : {}),
  };
}

/**
 * The persisted queue of conversations handed to a person. One open hand-off per conversation; claiming
 * is a single conditional UPDATE, so two agents can never both take the same one.
 */
export class HandoffQueue {
  constructor(private readonly db: Db) {}

  /** Queues the conversation, or refreshes the open hand-off it already has (fields, ticket). */
  open(input: HandoffRequest): { handoff: Handoff; created: boolean } {
    const req = HandoffRequestSchema.parse(input);
    return this.db.transaction(() => {
      const existing = this.openFor(req.conversationId);
      if (existing) {
        this.db.prepare('UPDATE handoffs SET fields = ?, ticket_reference = COALESCE(?, ticket_reference) WHERE id = ?')
          .run(JSON.stringify({ ...existing.fields, ...req.fields }), req.ticketReference ?? null, existing.id);
        return { handoff: this.get(existing.id) ?? existing, created: false };
      }
      const id = crypto.randomUUID();
      this.db.prepare(`INSERT INTO handoffs (id, conversation_id, channel, reference, intent, reason, fields, ticket_reference, status, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?)`).run(id, req.conversationId, req.channel, JSON.stringify(req.reference), req.intent,
        req.reason, JSON.stringify(req.fields), req.ticketReference ?? null, new Date().toISOString());
      return { handoff: this.get(id) as Handoff, created: true };
    }).immediate();
  }

  get(id: string): Handoff | undefined {
    const r = this.db.prepare<[string], Row>('SELECT * FROM handoffs WHERE id = ?').get(id);
    return r && fromRow(r);
  }

  /** The conversation's waiting or active hand-off, if any. */
  openFor(conversationId: string): Handoff | undefined {
    const r = this.db.prepare<[string], Row>(`SELECT * FROM handoffs WHERE conversation_id = ? AND status IN ('waiting', 'active') ORDER BY created_at DESC LIMIT 1`).get(conversationId);
    return r && fromRow(r);
  }

  /** Waiting conversations, oldest first, then those already taken. */
  list(): Handoff[] {
    return this.db.prepare<[], Row>(`SELECT * FROM handoffs WHERE status IN ('waiting', 'active') ORDER BY status = 'active', created_at, id`).all().map(fromRow);
  }

  /** How many conversations were waiting before this one. */
  position(handoff: Handoff): number {
    return this.db.prepare<[string], { n: number }>(`SELECT COUNT(*) AS n FROM handoffs WHERE status = 'waiting' AND created_at < ?`).get(handoff.createdAt)?.n ?? 0;
  }

  /** Gives a waiting hand-off to one agent; undefined if it was no longer waiting (someone else was first). */
  claim(id: string, agent: string): Handoff | undefined {
    const info = this.db.prepare(`UPDATE handoffs SET status = 'active', agent = ?, claimed_at = ? WHERE id = ? AND status = 'waiting'`)
      .run(agent, new Date().toISOString(), id);
    return info.changes === 1 ? this.get(id) : undefined;
  }

  /** Ends an open hand-off; undefined if it had already ended. */
  end(id: string, status: Exclude<HandoffStatus, 'waiting' | 'active'>): Handoff | undefined {
    const info = this.db.prepare(`UPDATE handoffs SET status = ?, ended_at = ? WHERE id = ? AND status IN (${OPEN.map(() => '?').join(', ')})`)
      .run(status, new Date().toISOString(), id, ...OPEN);
    return info.changes === 1 ? this.get(id) : undefined;
  }
}
