import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import { z } from 'zod';
import { AttachmentRefSchema } from '../bot/tickets/ticket';

/** A ticket the customer cancelled at the summary: kept, so "actually, open it" brings it back. */
export const DraftSchema = z.object({
  intent: z.string(),
  step: z.string(),
  fields: z.record(z.string(), z.string()),
  attachments: z.array(AttachmentRefSchema),
  runId: z.string(),
  from: z.string().optional(),
  reason: z.string().optional(),
});
export type Draft = z.infer<typeof DraftSchema>;

/**
 * What the bot remembers about a conversation beyond the dialog stack: values the customer volunteered
 * (by field name), the topic last answered (for follow-ups), how often in a row it could not help, a
 * cancelled ticket, and the email from the channel's profile (Teams), offered but never assumed.
 */
export const MemorySchema = z.object({
  slots: z.record(z.string(), z.string()).default({}),
  lastTopic: z.string().optional(),
  /** The article given last, which follow-ups are answered from. */
  lastArticle: z.string().max(100).optional(),
  /** The message that article answered: a follow-up reads with it ("and presenters?" after "…on Professional"). */
  lastAsked: z.string().max(500).optional(),
  misses: z.number().int().nonnegative().default(0),
  draft: DraftSchema.optional(),
  profileEmail: z.string().optional(),
  /** The account email this customer confirmed on their last ticket (a returning visitor, a Teams user): offered, never assumed. '' when none. */
  lastEmail: z.string().optional(),
  /** A second problem the customer raised in the message that started this one: taken up when it ends. */
  nextTopic: z.object({ intent: z.string(), text: z.string().max(2000) }).optional(),
  /** Tickets of other conversations asked about with an email that did not match (guessing is limited). */
  statusMisses: z.number().int().nonnegative().default(0),
  /** Tickets of other conversations this customer proved with their account email: not asked again. */
  verifiedTickets: z.array(z.string().max(20)).max(10).default([]),
  /** The ticket whose account email is being asked: the address typed next is not the customer's own. */
  lookingUp: z.string().max(20).optional(),
  /** The ticket this conversation opened last ("what's happening with it?"), and its topic. */
  lastTicket: z.string().max(20).optional(),
  lastTicketIntent: z.string().max(60).optional(),
  /** Set when a ticket was opened in this turn: the end of the conversation's request, where the rating is asked. */
  ticketJustOpened: z.boolean().optional(),
  /** The rating question: asked, rated (a comment may follow), done. Asked once per conversation. */
  csat: z.enum(['asked', 'asked_again', 'comment', 'done']).optional(),
  /** A tree reached its end step in this turn ("Great, glad that worked!"): an end, where the rating is asked. */
  flowEnded: z.boolean().optional(),
  csatRating: z.number().int().min(1).max(5).optional(),
  /** The agent whose conversation the rating is about (asked when an agent closed it). */
  csatAgent: z.string().max(100).optional(),
  /** Set while a person has (or is about to have) the conversation: the dialogs start afresh after. */
  withPerson: z.boolean().optional(),
});
export type Memory = z.infer<typeof MemorySchema>;

/**
 * What the bot keeps about a customer across conversations (botbuilder's user state: the widget visitor
 * of one browser, a Teams user): the account email of their last ticket. Deleted after RETENTION_DAYS.
 */
export const CustomerSchema = z.object({ lastEmail: z.string().max(320).optional() });
export type Customer = z.infer<typeof CustomerSchema>;

/** The customer's memory across conversations, validated as it is read back; nothing is written by reading. */
export async function readCustomer(accessor: StatePropertyAccessor<Customer>, context: TurnContext): Promise<Customer> {
  const parsed = CustomerSchema.safeParse(await accessor.get(context));
  return parsed.success ? parsed.data : {};
}

/** Keeps the account email of the customer's ticket for their next conversation. */
export async function rememberEmail(accessor: StatePropertyAccessor<Customer>, context: TurnContext, email: string): Promise<void> {
  await accessor.set(context, { ...(await readCustomer(accessor, context)), lastEmail: email });
}

/** The conversation's memory, validated as it is read back from the store. */
export async function readMemory(accessor: StatePropertyAccessor<Memory>, context: TurnContext): Promise<Memory> {
  const parsed = MemorySchema.safeParse(await accessor.get(context, MemorySchema.parse({})));
  const memory = parsed.success ? parsed.data : MemorySchema.parse({});
  await accessor.set(context, memory);
  return memory;
}
