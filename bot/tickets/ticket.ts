import { z } from 'zod';

export const AttachmentRefSchema = z.object({
  field: z.string().min(1),
  name: z.string().min(1).max(300),
  contentType: z.string().min(1).max(200),
  url: z.string().min(1).max(4000),
  size: z.number().int().nonnegative().optional(),
  /** Set when the bytes were uploaded to this bot: they are kept in its file store under this id. */
  fileId: z.string().min(1).max(100).optional(),
}).strict();
export type AttachmentRef = z.infer<typeof AttachmentRefSchema>;

export const TranscriptEntrySchema = z.object({
  role: z.enum(['user', 'bot', 'agent']),
  text: z.string(),
  attachments: z.array(z.object({ name: z.string(), contentType: z.string(), url: z.string().optional() }).strict()),
  at: z.string(),
}).strict();
export type TranscriptEntry = z.infer<typeof TranscriptEntrySchema>;

export const SUBJECT_MAX = 200;

/** Text cut to `max` characters, with an ellipsis when something was cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** What a dialog hands over to open a ticket; validated before it reaches the store. */
export const NewTicketSchema = z.object({
  /** Same key, same ticket: a retried turn never opens a second one. */
  idempotencyKey: z.string().min(1).max(300),
  department: z.string().min(1).max(60),
  subject: z.string().min(1).max(SUBJECT_MAX),
  intent: z.string().min(1).max(60),
  channel: z.string().min(1).max(100),
  conversationId: z.string().min(1).max(500),
  userId: z.string().min(1).max(500),
  note: z.string().max(2000).optional(),
  fields: z.record(z.string(), z.string().max(10000)),
  attachments: z.array(AttachmentRefSchema),
  transcript: z.array(TranscriptEntrySchema),
}).strict();
export type NewTicket = z.infer<typeof NewTicketSchema>;

export type TicketStatus = 'open' | 'pending' | 'resolved';
export interface Ticket extends NewTicket {
  id: string;
  reference: string;
  status: TicketStatus;
  createdAt: string;
  updatedAt: string;
}

export interface TicketUpdate { status?: TicketStatus; transcript?: TranscriptEntry[] }

export interface TicketStore {
  create(ticket: NewTicket): Promise<Ticket>;
  /** Changes status and/or replaces the transcript (a hand-off adds what the user and agent said). */
  update(reference: string, changes: TicketUpdate): Promise<Ticket | undefined>;
  list(): Promise<Ticket[]>;
  byReference(reference: string): Promise<Ticket | undefined>;
  /** The conversation's most recent ticket that is still open. */
  openFor(conversationId: string): Promise<Ticket | undefined>;
}
