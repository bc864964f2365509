import { WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import type { Ticket } from '../bot/tickets/ticket';
import type { FieldPromptSpec, FieldResult } from './fieldPrompt';
import { escapeMarkdown } from './messages';
import { readMemory } from './memory';
import type { TriageServices } from './services';

export const TICKET_STATUS = 'ticketStatus';
/** A ticket reference as the bot gives them, KT- and six letters or digits, however it is typed ("kt-wpspb5", "KT–WPSPB5", "kt 7hq2xm"). */
const TICKET_REFERENCE = /\bKT(?:[-–—]\s?|\s)?([A-Z0-9]{6})\b/gi;

/** The reference in a message, written as the bot writes them. Without a dash it needs a digit ("KT system" is not one). */
export function ticketReference(text: string): string | undefined {
  for (const m of text.matchAll(TICKET_REFERENCE)) {
    const code = (m[1] ?? '').toUpperCase();
    if (/[-–—]/.test(m[0]) || /\d/.test(code)) return `KT-${code}`;
  }
  return undefined;
}
/** Lookups of other conversations' tickets with an email that did not match, before the bot stops trying. */
const MISSES_ALLOWED = 3;

const when = (iso: string) => new Date(iso).toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }) + ' UTC';

/**
 * "What's happening with KT-WPSPB5?": the ticket's status, department and when it reached the help desk.
 * Shown to the conversation that opened it, or after the customer gives the account email on the ticket;
 * a wrong reference and a wrong email get the same answer, so guessing references tells nothing, and after
 * a few misses the bot stops looking. An answer that is not an email is taken as a new message.
 */
export function ticketStatusDialog(services: TriageServices, ids: { fieldPrompt: string; route: string }): WaterfallDialog {
  const m = () => services.brain.rules.messages;

  async function describe(ticket: Ticket): Promise<string> {
    const sent = (await services.deliveries.forTickets([ticket.id])).get(ticket.id)?.filter((d) => d.kind !== 'acknowledgement') ?? [];
    const reached = sent.map((d) => d.deliveredAt).filter((at): at is string => Boolean(at)).sort()[0];
    const delivery = reached ? m().say('ticket_status_delivered', { at: when(reached) }) : m().say(sent.length ? 'ticket_status_on_its_way' : 'ticket_status_kept');
    return m().say('ticket_status', {
      reference: ticket.reference, department: ticket.department, subject: escapeMarkdown(ticket.subject), opened: when(ticket.createdAt),
      state: m().say(`ticket_state_${ticket.status}`), delivery,
    });
  }

  return new WaterfallDialog(TICKET_STATUS, [
    async (step: WaterfallStepContext): Promise<DialogTurnResult> => {
      const reference = String((step.options as { reference?: string }).reference ?? '').toUpperCase();
      const ticket = await services.tickets.byReference(reference);
      if (ticket && ticket.conversationId === step.context.activity.conversation.id) {
        await step.context.sendActivity(await describe(ticket));
        return step.endDialog();
      }
      const memory = await readMemory(services.memory, step.context);
      if (memory.statusMisses >= MISSES_ALLOWED) {
        await step.context.sendActivity(m().say('ticket_status_limit'));
        return step.endDialog();
      }
      const def = services.brain.rules.allFields().get('account_email');
      if (!def) throw new Error('rules define no account_email field');
      (step.values as { reference?: string }).reference = reference;
      const spec: FieldPromptSpec = { field: 'account_email', def: { ...def, prompt: m().say('ticket_status_ask_email', { reference }) }, maxFailures: 1 };
      return step.prompt(ids.fieldPrompt, { validations: spec });
    },
    async (step: WaterfallStepContext): Promise<DialogTurnResult> => {
      const answer = step.result as FieldResult;
      if (answer.status !== 'ok') return step.replaceDialog(ids.route, { text: step.context.activity.text ?? '' });
      const reference = (step.values as { reference?: string }).reference ?? '';
      const ticket = await services.tickets.byReference(reference);
      if (ticket && ticket.fields.account_email?.trim().toLowerCase() === answer.value.trim().toLowerCase()) {
        await step.context.sendActivity(await describe(ticket));
        return step.endDialog();
      }
      const memory = await readMemory(services.memory, step.context);
      memory.statusMisses += 1;
      await step.context.sendActivity(memory.statusMisses >= MISSES_ALLOWED ? m().say('ticket_status_limit') : m().say('ticket_status_no_match', { reference }));
      return step.endDialog();
    },
  ]);
}
