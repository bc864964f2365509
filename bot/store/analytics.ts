import { sql, type Insertable, type Selectable } from 'kysely';
import { z } from 'zod';
import type { ConversationEventsTable, Db } from './schema';
import { mask } from '../mask';
import { currentTurn } from './turnUnit';

export const EVENT_KINDS = [
  /** A customer message (detail: the control it was, such as "thanks", if it was one). */
  'message',
  /** The bot answered from the help text (detail: the article). */
  'answered',
  /** A form asked something (detail: flow.step or flow.field). */
  'question',
  /** A ticket was opened (detail: department). */
  'ticket',
  /** Handed to a person (detail: the reason). */
  'handoff',
  /** The bot could not place the message (text: the message). */
  'out_of_scope',
  /** The bot was unsure and asked which topic was meant (text: the message). */
  'clarify',
  /** The customer said the bot's guesses were wrong (text: the message). */
  'rerouted',
  /** The customer rated the conversation (rating 1–5, text: their comment). */
  'csat',
  /** An agent closed the conversation (detail: the agent). */
  'closed',
  /** A tree reached its end ("Great, glad that worked!", "No, thanks" to a ticket). */
  'ended',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

const EventRowSchema = z.object({
  conversationId: z.string(), channel: z.string(), at: z.string(), kind: z.enum(EVENT_KINDS),
  intent: z.string().optional(), detail: z.string().optional(), rating: z.number().int().min(1).max(5).optional(), text: z.string().optional(),
});
export type ConversationEvent = z.infer<typeof EventRowSchema>;
export type NewEvent = Omit<ConversationEvent, 'at'>;

const TEXT_MAX = 1000;

/** Channels the figures are kept by; any other name a caller sends counts as "other". */
const CHANNELS = new Set(['directline', 'webchat', 'msteams', 'emulator', 'test']);

export function eventRow(e: NewEvent, at: string): Insertable<ConversationEventsTable> {
  return {
    conversation_id: e.conversationId, channel: CHANNELS.has(e.channel) ? e.channel : 'other', at, kind: e.kind, intent: e.intent ?? null,
    // What the customer wrote is kept masked (emails, IPs, numbers, codes): it is for the lead's view.
    detail: e.detail?.slice(0, 200) ?? null, rating: e.rating ?? null, text: e.text !== undefined ? mask(e.text.slice(0, TEXT_MAX)) : null,
  };
}

function fromRow(r: Selectable<ConversationEventsTable>): ConversationEvent {
  return EventRowSchema.parse({
    conversationId: r.conversation_id, channel: r.channel, at: r.at, kind: r.kind,
    ...(r.intent ? { intent: r.intent } : {}), ...(r.detail ? { detail: r.detail } : {}),
    ...(r.rating !== null ? { rating: Number(r.rating) } : {}), ...(r.text ? { text: r.text } : {}),
  });
}

/**
 * What happens in conversations, for the support lead's view. Events of a turn are committed with it
 * (a replayed turn records nothing twice); others (an agent closing) are written at once.
 */
export class AnalyticsLog {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  async record(e: NewEvent): Promise<void> {
    const unit = currentTurn(e.conversationId);
    if (unit) unit.events.push(e);
    else await this.db.insertInto('conversation_events').values(eventRow(e, new Date(this.now()).toISOString())).execute();
  }

  /**
   * Messages the bot did not understand, newest first: the review inbox's material. At most
   * `perConversation` from one conversation, so one stranger typing nonsense cannot fill the inbox.
   */
  async reviewable(limit = 5000, perConversation = 3): Promise<ConversationEvent[]> {
    const ranked = this.db.selectFrom('conversation_events').selectAll()
      .select(sql<number>`row_number() over (partition by conversation_id order by seq desc)`.as('nth'))
      .where('text', 'is not', null)
      .where((eb) => eb.or([eb('kind', 'in', ['out_of_scope', 'clarify', 'rerouted']), eb.and([eb('kind', '=', 'csat'), eb('rating', '<=', 2)])]));
    const rows = await this.db.selectFrom(ranked.as('r')).selectAll().where('nth', '<=', perConversation).orderBy('seq', 'desc').limit(limit).execute();
    return rows.map(fromRow);
  }

  /** Every event of the conversations that started in [from, to), in order, conversation by conversation. */
  async conversationsStarted(from: string, to: string): Promise<Map<string, ConversationEvent[]>> {
    const started = this.db.selectFrom('conversation_events').select('conversation_id')
      .groupBy('conversation_id').having((eb) => eb.and([eb(eb.fn.min('at'), '>=', from), eb(eb.fn.min('at'), '<', to)]));
    const rows = await this.db.selectFrom('conversation_events').selectAll().where('conversation_id', 'in', started).orderBy('conversation_id').orderBy('seq').execute();
    const out = new Map<string, ConversationEvent[]>();
    for (const r of rows) out.set(r.conversation_id, [...(out.get(r.conversation_id) ?? []), fromRow(r)]);
    return out;
  }
}
