import { z } from 'zod';
import { TranscriptEntrySchema, type Ticket } from '../tickets/ticket';

/** A ticket as it leaves the bot (the webhook's body, the email's JSON part): fields in the order the help text lists them, with labels. */
export const TicketPayloadSchema = z.object({
  reference: z.string().regex(/^KT-[A-Z0-9]{6}$/),
  department: z.string().min(1),
  subject: z.string().min(1),
  intent: z.string().min(1),
  channel: z.string().min(1),
  createdAt: z.string().min(1),
  note: z.string().optional(),
  fields: z.array(z.object({ name: z.string().min(1), label: z.string().min(1), value: z.string() }).strict()),
  attachments: z.array(z.object({ field: z.string(), name: z.string(), contentType: z.string(), size: z.number().optional(), url: z.string() }).strict()),
  transcript: z.array(TranscriptEntrySchema),
}).strict();
export type TicketPayload = z.infer<typeof TicketPayloadSchema>;

/** The webhook's body. `id` is the delivery's id, the same in every attempt (also the Idempotency-Key header). */
export const WebhookBodySchema = z.object({ id: z.string().min(1), type: z.literal('ticket.created'), ticket: TicketPayloadSchema }).strict();

export function ticketPayload(ticket: Ticket, label: (field: string) => string): TicketPayload {
  return TicketPayloadSchema.parse({
    reference: ticket.reference, department: ticket.department, subject: ticket.subject, intent: ticket.intent,
    channel: ticket.channel, createdAt: ticket.createdAt, ...(ticket.note ? { note: ticket.note } : {}),
    fields: Object.entries(ticket.fields).map(([name, value]) => ({ name, label: label(name), value })),
    attachments: ticket.attachments.map((a) => ({ field: a.field, name: a.name, contentType: a.contentType, ...(a.size !== undefined ? { size: a.size } : {}), url: a.url })),
    transcript: ticket.transcript,
  });
}

/** What the bot's Markdown looks like as plain text (bold marks and escapes gone). */
export function plain(markdown: string): string {
  return markdown.replace(/\*\*(.+?)\*\*/g, '$1').replace(/\\([\\`*_{}[\]()#+\-.!<>|~])/g, '$1');
}

const CHANNELS: Record<string, string> = { directline: 'the website chat', webchat: 'the website chat', msteams: 'Microsoft Teams', emulator: 'the Bot Framework Emulator' };
export const channelName = (channel: string) => CHANNELS[channel] ?? channel;
