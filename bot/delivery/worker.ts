import type { Logger } from '../logger';
import type { Delivery, DeliveryStore } from '../store/deliveries';
import type { FileStore } from '../store/files';
import type { SqlTicketStore } from '../store/tickets';
import type { Ticket } from '../tickets/ticket';
import { acknowledgementEmail, ticketEmail, type EmailSender, type FileBytes } from './email';
import { DeliveryFailure } from './failure';
import { ticketPayload, type TicketPayload } from './payload';
import { sendWebhook, type WebhookTarget } from './webhook';

const BATCH = 10;
const MAX_DELAY_MS = 60 * 60 * 1000;
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

export interface DeliveryWorkerOptions {
  deliveries: DeliveryStore;
  tickets: SqlTicketStore;
  files: FileStore;
  email?: EmailSender;
  webhook?: WebhookTarget;
  /** A field's label ("Account email") for the help desk's copy. */
  label: (field: string) => string;
  /** The customer's acknowledgement: subject and body for a ticket, and where their replies should go. */
  acknowledgement: (t: TicketPayload) => { subject: string; body: string };
  /** The help desk address of a department (the acknowledgement's Reply-To). */
  helpDesk: (department: string) => string | undefined;
  maxAttempts: number;
  retryBaseMs: number;
  timeoutMs: number;
  log: Logger;
  now?: () => number;
  random?: () => number;
}

/**
 * Sends the outbox: claims what is due, sends each delivery, and records delivered, a retry (exponential
 * backoff with jitter, or the receiver's Retry-After if later), or failed (a permanent refusal, or the
 * last attempt). Runs in every instance; the claim makes each delivery one instance's.
 */
export class DeliveryWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly o: DeliveryWorkerOptions) {
    this.now = o.now ?? Date.now;
    this.random = o.random ?? Math.random;
  }

  start(everyMs = 1000): void {
    this.timer ??= setInterval(() => { void this.runOnce().catch((err: unknown) => this.o.log.warn({ err }, 'outbox pass failed')); }, everyMs);
    this.timer.unref();
  }

  /** Stops polling and waits for the sends in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass over what is due; resolves with how many deliveries it tried. Passes never overlap. */
  runOnce(): Promise<number> {
    this.running ??= this.pass().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async pass(): Promise<number> {
    let tried = 0;
    for (;;) {
      const due = await this.o.deliveries.claim(BATCH, this.o.timeoutMs * 3 + 5000);
      if (due.length === 0) return tried;
      await Promise.all(due.map((d) => this.attempt(d)));
      tried += due.length;
    }
  }

  private async attempt(d: Delivery): Promise<void> {
    const ticket = await this.o.tickets.byId(d.ticketId);
    try {
      if (!ticket) throw new DeliveryFailure('the ticket no longer exists', true);
      await this.send(d, ticket);
      await this.o.deliveries.delivered(d.id);
      this.o.log.info({ delivery: d.id, kind: d.kind, ticket: ticket.reference, attempt: d.attempts }, 'ticket delivered');
    } catch (err) {
      const failure = err instanceof DeliveryFailure ? err : new DeliveryFailure('internal error', false);
      if (!(err instanceof DeliveryFailure)) this.o.log.error({ err, delivery: d.id }, 'ticket delivery crashed');
      const last = failure.permanent || d.attempts >= this.o.maxAttempts;
      this.o.log.warn({ delivery: d.id, kind: d.kind, ticket: ticket?.reference, attempt: d.attempts, permanent: failure.permanent, givenUp: last }, 'ticket delivery failed');
      if (last) await this.o.deliveries.failed(d.id, failure.permanent ? failure.message : `gave up after ${d.attempts} attempts: ${failure.message}`);
      else await this.o.deliveries.retryAt(d.id, this.now() + this.delay(d.attempts, failure.retryAfterMs), failure.message);
    }
  }

  /** Exponential from the base, half of it random (so a help desk coming back is not hit all at once). */
  private delay(attempts: number, retryAfterMs?: number): number {
    const ceiling = Math.min(MAX_DELAY_MS, this.o.retryBaseMs * 2 ** Math.max(0, attempts - 1));
    const backoff = ceiling / 2 + this.random() * (ceiling / 2);
    return Math.max(backoff, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
  }

  private async send(d: Delivery, ticket: Ticket): Promise<void> {
    const payload = ticketPayload(ticket, this.o.label);
    switch (d.kind) {
      case 'webhook':
        if (!this.o.webhook) throw new DeliveryFailure('no webhook is configured (TICKET_WEBHOOK_URL)', true);
        return sendWebhook({ ...this.o.webhook, url: d.target }, d.id, payload);
      case 'email': {
        if (!this.o.email) throw new DeliveryFailure('no mail server is configured (SMTP_URL)', true);
        return this.o.email.send(ticketEmail(payload, d.target, this.o.email.settings.from, await this.files(ticket)));
      }
      case 'acknowledgement': {
        if (!this.o.email) throw new DeliveryFailure('no mail server is configured (SMTP_URL)', true);
        const { subject, body } = this.o.acknowledgement(payload);
        return this.o.email.send(acknowledgementEmail(payload, d.target, this.o.email.settings.from, this.o.helpDesk(ticket.department), subject, body));
      }
    }
  }

  /** The bytes of the files the customer uploaded to this bot (links to elsewhere stay links). */
  private async files(ticket: Ticket): Promise<FileBytes[]> {
    const out: FileBytes[] = [];
    for (const a of ticket.attachments) {
      const file = a.fileId ? await this.o.files.get(a.fileId) : undefined;
      if (file) out.push({ filename: a.name, contentType: file.contentType, content: file.data });
    }
    return out;
  }
}
