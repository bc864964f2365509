import { ActivityTypes, CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import { Prompt, type PromptOptions, type PromptRecognizerResult } from 'botbuilder-dialogs';
import { z } from 'zod';
import type { Messages } from '../rules/messages';
import { escapeMarkdown, supportsCards, withChoices } from './messages';

export interface SummaryRow { name: string; label: string; value: string; aliases: string[] }
export interface SummarySpec { subject: string; department: string; rows: SummaryRow[]; lead?: string; /** The flow run the card belongs to. */ run?: string }
export type SummaryAction =
  | { action: 'confirm' }
  /** A field to correct; `said` is the message, which may hold the new value ("change the email to …"). */
  | { action: 'correct'; field?: string; said?: string }
  | { action: 'cancel' }
  /** A bare "no": correct something, or cancel? */
  | { action: 'undecided' };

// What a card's Action.Submit posts back (Web Chat: message.value; Teams: the same, or an invoke).
const SubmitSchema = z.object({ summary: z.enum(['confirm', 'correct', 'cancel']), field: z.string().max(100).optional(), run: z.string().max(300).optional() });

/** The flow run whose card a posted value came from; undefined for values without one (typed tools, old cards). */
export function summaryRun(value: unknown): string | undefined {
  const submit = SubmitSchema.safeParse(value);
  return submit.success ? submit.data.run : undefined;
}

/** The summary card button a posted value is, if it is one. */
export function summaryButton(value: unknown): SummaryAction | undefined {
  const submit = SubmitSchema.safeParse(value);
  if (!submit.success) return undefined;
  return submit.data.summary === 'correct' ? { action: 'correct', ...(submit.data.field ? { field: submit.data.field } : {}) } : { action: submit.data.summary };
}

export function summaryCard(spec: SummarySpec, m: Messages) {
  // The run's name goes back with every press, so a card left on screen cannot act on a later form.
  const run = spec.run ? { run: spec.run } : {};
  return CardFactory.adaptiveCard({
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [
      { type: 'TextBlock', text: m.say('summary_title'), weight: 'Bolder', size: 'Medium', wrap: true },
      { type: 'TextBlock', text: `${spec.subject} · ${spec.department}`, isSubtle: true, wrap: true },
      { type: 'FactSet', facts: spec.rows.map((r) => ({ title: r.label, value: escapeMarkdown(r.value) })) },
      {
        type: 'Input.ChoiceSet', id: 'field', label: m.say('summary_pick_field'), isRequired: false,
        choices: spec.rows.map((r) => ({ title: r.label, value: r.name })),
      },
    ],
    actions: [
      { type: 'Action.Submit', title: m.say('summary_open'), style: 'positive', data: { summary: 'confirm', ...run } },
      { type: 'Action.Submit', title: m.say('summary_correct'), data: { summary: 'correct', ...run } },
      { type: 'Action.Submit', title: m.say('summary_cancel'), data: { summary: 'cancel', ...run } },
    ],
  });
}

export function summaryText(spec: SummarySpec, m: Messages): string {
  const rows = spec.rows.map((r) => `- **${r.label}:** ${escapeMarkdown(r.value)}`).join('\n');
  return m.say('summary_text', { subject: escapeMarkdown(spec.subject), department: spec.department, rows });
}

const norm = (s: string) => s.toLowerCase().replace(/[‘’`´]/g, "'").replace(/\s+/g, ' ').trim();
const word = (phrase: string) => new RegExp(`\\b${phrase.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`);

const CANCEL = /^(?:no,?\s+)?(?:cancel|don'?t(?:\s+open)?|do not|stop|forget (?:it|about it)|never ?mind|scrap (?:it|that)|discard|delete it)\b/;
const CORRECT = /\b(?:wrong|incorrect|change|correct (?:the|my|it|that|a|this)|correction|fix|update|edit|should be|is actually|not right|typo|mistake|instead)\b/;
const CONFIRM = /^(?:yes|yep|yeah|yup|y|ok|okay|sure|correct|right|perfect|great|fine|good|confirm(?:ed)?|submit|send(?: it)?|go ahead|please do|do it|looks? (?:good|right|fine|correct|ok)|all (?:good|correct|fine|right)|that'?s (?:all )?(?:right|correct|fine|good|it)|open(?: it| the ticket)?|(?:it'?s )?all correct)\b/;
const UNDECIDED = /^(?:no|nope|nah|not yet|wait|hold on|hmm+|hang on)\b/;
/** A question about something else ("wait, how many attendees on Growth?"): not an answer to the summary. */
const QUESTION = /\?\s*$|^(?:(?:wait|hmm+|oh|ok|and|also|btw|by the way|sorry)[,\s]+)*(?:what|which|how|why|where|when|who|can|could|do|does|is|are|will)\b/;

/** What a typed answer to the summary means. */
export function recogniseSummary(text: string, rows: SummaryRow[], m: Messages): SummaryAction | undefined {
  const t = norm(text);
  if (!t) return undefined;
  if (CANCEL.test(t)) return { action: 'cancel' };
  const named = rows.find((r) => t === r.name || [r.label, ...r.aliases].some((n) => word(n).test(t)));
  if (named && (CORRECT.test(t) || !QUESTION.test(t))) return { action: 'correct', field: named.name, said: text };
  if (CORRECT.test(t) && !QUESTION.test(t)) return { action: 'correct', said: text };
  if (t === norm(m.say('summary_open'))) return { action: 'confirm' };
  if (QUESTION.test(t)) return undefined;
  if (CONFIRM.test(t)) return { action: 'confirm' };
  // A bare "no" or "wait": correct or cancel? Longer, it is something else the customer is saying.
  if (UNDECIDED.test(t) && t.split(' ').length <= 3) return { action: 'undecided' };
  if (t === norm(m.say('summary_correct'))) return { action: 'correct' };
  return undefined;
}

/** Shows the collected fields (a card where the channel renders one) and reads confirm / correct / cancel. */
export class SummaryPrompt extends Prompt<SummaryAction> {
  constructor(dialogId: string, private readonly messages: () => Messages) {
    super(dialogId);
  }

  protected async onPrompt(context: TurnContext, _state: object, options: PromptOptions, isRetry: boolean): Promise<void> {
    const spec = options.validations as SummarySpec;
    const m = this.messages();
    const choices = [m.say('summary_open'), m.say('summary_correct'), m.say('summary_cancel')];
    if (isRetry) await context.sendActivity(withChoices(m.say('summary_retry'), choices));
    else if (supportsCards(context)) {
      if (spec.lead) await context.sendActivity(spec.lead);
      await context.sendActivity(MessageFactory.attachment(summaryCard(spec, m)));
    } else await context.sendActivity(withChoices(spec.lead ? `${spec.lead}\n\n${summaryText(spec, m)}` : summaryText(spec, m), choices));
  }

  protected async onRecognize(context: TurnContext, _state: object, options: PromptOptions): Promise<PromptRecognizerResult<SummaryAction>> {
    const spec = options.validations as SummarySpec;
    const a = context.activity;
    if (a.type !== ActivityTypes.Message) return { succeeded: false };
    const button = summaryButton(a.value);
    const run = summaryRun(a.value);
    if (button && run !== undefined && run !== spec.run) return { succeeded: false };
    if (button) {
      const field = button.action === 'correct' ? spec.rows.find((r) => r.name === button.field)?.name : undefined;
      return { succeeded: true, value: button.action === 'correct' ? { action: 'correct', ...(field ? { field } : {}) } : button };
    }
    const value = recogniseSummary(a.text ?? '', spec.rows, this.messages());
    return value ? { succeeded: true, value } : { succeeded: false };
  }
}
