import { WaterfallDialog, type DialogContext, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import type { Ticket } from '../bot/tickets/ticket';
import type { FieldPromptSpec, FieldResult } from './fieldPrompt';
import { FLOW_DIALOG } from './flowDialog';
import { escapeMarkdown } from './messages';
import { readMemory } from './memory';
import type { TriageServices } from './services';

export const TICKET_STATUS = 'ticketStatus';
/** Lookups of other conversations' tickets with an email that did not match, before the bot stops trying. */
const MISSES_ALLOWED = 3;
/** A ticket reference as the bot gives them, KT- and six letters or digits, however it is typed ("kt-wpspb5", "KT–WPSPB5", "kt 7hq2xm"). */
const TICKET_REFERENCE = /\bKT(?:[-–—]\s?|\s)?([A-Z0-9]{6})\b/gi;
/** Chasing a ticket without its reference: "is my ticket still open?", "did anyone look at my ticket yet". */
const CHASING = new RegExp([
  String.raw`\b(?:my|the|our|a)\s+(?:existing\s+|open\s+|old\s+|support\s+)?ticket\b.*\b(?:update|status|repl(?:y|ied)|answer\w*|heard|response|waiting|news|look(?:ed)?\s+at|still\s+open|happening|going\s+on|progress)\b`,
  String.raw`\b(?:update|status|news|happening|going\s+on|progress)\b.*\b(?:my|the|our)\s+ticket\b`,
  String.raw`\b(?:did|has)\s+any\s*(?:one|body)\s+(?:look(?:ed)?|seen?|read|open(?:ed)?|check(?:ed)?)\b.*\bticket\b`,
  String.raw`\b(?:is|was)\s+my\s+ticket\b`,
  String.raw`\bwhen\s+will\s+(?:they|you|someone|somebody|the\s+team|support)\s+(?:answer|reply|respond|get\s+back|look)\b.*\bticket\b`,
  String.raw`\b(?:no\s*(?:body|one)|any\s*(?:body|one))\s+(?:has\s+|have\s+)?(?:answered|replied|responded|looked\s+at|read|got\s+back)\b.*\bticket\b`,
  String.raw`\bopened\s+a\s+ticket\b.*\b(?:nobody|no\s*one|no\s+(?:reply|answer|response)|not\s+heard|haven'?t\s+heard|still\s+waiting)\b`,
].join('|'), 'i');
/** Right after a ticket was opened here: "what's happening with it?", "any update?". */
const ABOUT_IT = /^(?:\W*(?:so|ok(?:ay)?|and|hey|hi)\b)?\W*(?:what'?s|whats|what\s+is)\s+happening(?:\s+with\s+it)?(?:\s+now)?\W*$|^\W*any\s+(?:update|news)(?:\s+(?:on\s+it|yet))?\W*$|^\W*(?:did|has)\s+any\s*(?:one|body)\s+(?:look(?:ed)?\s+at|seen|read)\s+it(?:\s+yet)?\W*$/i;

/** The reference in a message, written as the bot writes them. Without a dash it needs a digit ("KT system" is not one). */
export function ticketReference(text: string): string | undefined {
  for (const m of text.matchAll(TICKET_REFERENCE)) {
    const code = (m[1] ?? '').toUpperCase();
    if (/[-–—]/.test(m[0]) || /\d/.test(code)) return `KT-${code}`;
  }
  return undefined;
}

/** Whether a message asks about a ticket: its reference, or chasing one ("any news on my ticket?", "what's happening with it?" after one was opened here). */
export function asksTicketStatus(text: string, openedHere: boolean): { reference?: string } | undefined {
  const reference = ticketReference(text);
  if (reference) return { reference };
  if (CHASING.test(text) || (openedHere && ABOUT_IT.test(text))) return {};
  return undefined;
}

const when = (iso: string) => new Date(iso).toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }) + ' UTC';

/**
 * "What's happening with KT-WPSPB5?": the ticket's status, department and when it reached the help desk.
 * Shown to the conversation that opened it, or after the customer gives the account email on the ticket;
 * a wrong reference and a wrong email get the same answer, so guessing references tells nothing, and after
 * a few misses the bot stops looking. Asked in the middle of a form, the form's question comes back after.
 */
export function ticketStatusDialog(services: TriageServices, ids: { fieldPrompt: string; route: string }): WaterfallDialog {
  const m = () => services.brain.rules.messages;
  const inForm = (dc: DialogContext) => dc.stack.some((i) => i.id === FLOW_DIALOG);

  async function describe(ticket: Ticket): Promise<string> {
    const sent = (await services.deliveries.forTickets([ticket.id])).get(ticket.id)?.filter((d) => d.kind !== 'acknowledgement') ?? [];
    const reached = sent.map((d) => d.deliveredAt).filter((at): at is string => Boolean(at)).sort()[0];
    const delivery = reached ? m().say('ticket_status_delivered', { at: when(reached) })
      : m().say(!sent.length || sent.every((d) => d.status === 'failed') ? 'ticket_status_kept' : 'ticket_status_on_its_way');
    return m().say('ticket_status', {
      reference: ticket.reference, department: ticket.department, subject: escapeMarkdown(ticket.subject), opened: when(ticket.createdAt),
      state: m().say(`ticket_state_${ticket.status}`), delivery,
    });
  }

  /** The lookup is over: in a form, its question is asked again (the prompt below re-asks when this ends). */
  async function done(step: WaterfallStepContext, said?: string): Promise<DialogTurnResult> {
    if (said) await step.context.sendActivity(said);
    if (inForm(step)) await step.context.sendActivity(m().say('back_to_question'));
    return step.endDialog();
  }

  return new WaterfallDialog(TICKET_STATUS, [
    async (step: WaterfallStepContext): Promise<DialogTurnResult> => {
      const memory = await readMemory(services.memory, step.context);
      const conversationId = step.context.activity.conversation.id;
      // Chasing "my ticket" without its reference: this conversation's, if it opened one.
      const reference = (step.options as { reference?: string }).reference ?? memory.lastTicket;
      if (!reference) return done(step, m().say('ticket_status_which'));
      const ticket = await services.tickets.byReference(reference);
      if (ticket && (ticket.conversationId === conversationId || memory.verifiedTickets.includes(ticket.reference))) return done(step, await describe(ticket));
      if (memory.statusMisses >= MISSES_ALLOWED) return done(step, m().say('ticket_status_limit'));
      const def = services.brain.rules.allFields().get('account_email');
      if (!def) throw new Error('rules define no account_email field');
      // The address typed next is for this lookup, not the customer's own account email (see TriageBot).
      memory.lookingUp = reference;
      const spec: FieldPromptSpec = { field: 'account_email', def: { ...def, prompt: m().say('ticket_status_ask_email', { reference }) }, maxFailures: 1 };
      return step.prompt(ids.fieldPrompt, { validations: spec });
    },
    async (step: WaterfallStepContext): Promise<DialogTurnResult> => {
      const memory = await readMemory(services.memory, step.context);
      const reference = memory.lookingUp ?? '';
      delete memory.lookingUp;
      const answer = step.result as FieldResult;
      if (answer.status !== 'ok') {
        // Not an address: another problem is taken up; "never mind", "I don't remember" end the lookup.
        const text = step.context.activity.text ?? '';
        const r = services.recognizer.classify(text);
        const another = !services.recognizer.control(text) && r.intent !== 'none' && r.intent !== 'support.contact'
          && r.confidence >= services.brain.rules.escalation.classifier.clarify_below;
        if (another && !inForm(step)) return step.replaceDialog(ids.route, { text });
        return done(step, m().say('ticket_status_dropped', { reference }));
      }
      const ticket = await services.tickets.byReference(reference);
      if (ticket && ticket.fields.account_email?.trim().toLowerCase() === answer.value.trim().toLowerCase()) {
        memory.verifiedTickets = [...memory.verifiedTickets, ticket.reference].slice(-10);
        return done(step, await describe(ticket));
      }
      memory.statusMisses += 1;
      return done(step, memory.statusMisses >= MISSES_ALLOWED ? m().say('ticket_status_limit') : m().say('ticket_status_no_match', { reference }));
    },
  ]);
}
