import { ActivityTypes, CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import { Prompt, type PromptOptions, type PromptRecognizerResult } from 'botbuilder-dialogs';
import { z } from 'zod';
import { escapeMarkdown, supportsCards, withChoices } from './messages';

export interface SummaryRow { name: string; label: string; value: string }
export interface SummarySpec { subject: string; department: string; rows: SummaryRow[] }
export type SummaryAction = { action: 'confirm' } | { action: 'correct'; field?: string } | { action: 'cancel' };

export const CONFIRM = 'Open the ticket';
export const CORRECT = 'Correct a field';
export const CANCEL = 'Cancel';

// What a card's Action.Submit posts back (Web Chat: message.value; Teams: the same, or an invoke).
const SubmitSchema = z.object({ summary: z.enum(['confirm', 'correct', 'cancel']), field: z.string().max(100).optional() });

export function summaryCard(spec: SummarySpec) {
  return CardFactory.adaptiveCard({
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [
      { type: 'TextBlock', text: 'Please check your ticket', weight: 'Bolder', size: 'Medium', wrap: true },
      { type: 'TextBlock', text: `${escapeMarkdown(spec.subject)} · ${spec.department}`, isSubtle: true, wrap: true },
      { type: 'FactSet', facts: spec.rows.map((r) => ({ title: r.label, value: escapeMarkdown(r.value) })) },
      {
        type: 'Input.ChoiceSet', id: 'field', label: 'Something wrong? Pick the field to correct:', isRequired: false,
        choices: spec.rows.map((r) => ({ title: r.label, value: r.name })),
      },
    ],
    actions: [
      { type: 'Action.Submit', title: CONFIRM, style: 'positive', data: { summary: 'confirm' } },
      { type: 'Action.Submit', title: CORRECT, data: { summary: 'correct' } },
      { type: 'Action.Submit', title: CANCEL, data: { summary: 'cancel' } },
    ],
  });
}

export function summaryText(spec: SummarySpec): string {
  const lines = spec.rows.map((r) => `- **${r.label}:** ${escapeMarkdown(r.value)}`);
  return `Here's the ticket I'll open (${escapeMarkdown(spec.subject)}, ${spec.department}):\n\n${lines.join('\n')}\n\nShall I open it, or do you want to correct something?`;
}

function recognise(text: string, rows: SummaryRow[]): SummaryAction | undefined {
  const t = text.trim().toLowerCase();
  const named = rows.find((r) => t.includes(r.label.toLowerCase()) || t === r.name);
  if (/^(cancel|don'?t|do not|no\b|stop)/.test(t)) return { action: 'cancel' };
  if (/\b(correct|change|edit|fix|wrong|update)\b/.test(t) || named) return { action: 'correct', ...(named ? { field: named.name } : {}) };
  if (/^(open|yes|yep|yeah|y|ok|okay|confirm|submit|send|sure|looks good|correct as is|go ahead|all good|fine|please do)\b/.test(t) || t === CONFIRM.toLowerCase()) return { action: 'confirm' };
  return undefined;
}

/** Shows the collected fields (a card where the channel renders one) and reads confirm / correct / cancel. */
export class SummaryPrompt extends Prompt<SummaryAction> {
  constructor(dialogId: string) {
    super(dialogId);
  }

  protected async onPrompt(context: TurnContext, _state: object, options: PromptOptions, isRetry: boolean): Promise<void> {
    const spec = options.validations as SummarySpec;
    if (isRetry) {
      await context.sendActivity(withChoices(`Please choose “${CONFIRM}”, “${CORRECT}” or “${CANCEL}”.`, [CONFIRM, CORRECT, CANCEL]));
    } else if (supportsCards(context)) {
      await context.sendActivity(MessageFactory.attachment(summaryCard(spec)));
    } else {
      await context.sendActivity(withChoices(summaryText(spec), [CONFIRM, CORRECT, CANCEL]));
    }
  }

  protected async onRecognize(context: TurnContext, _state: object, options: PromptOptions): Promise<PromptRecognizerResult<SummaryAction>> {
    const spec = options.validations as SummarySpec;
    const a = context.activity;
    if (a.type !== ActivityTypes.Message) return { succeeded: false };
    const submit = SubmitSchema.safeParse(a.value);
    if (submit.success) {
      const field = spec.rows.find((r) => r.name === submit.data.field)?.name;
      const value: SummaryAction = submit.data.summary === 'correct' ? { action: 'correct', ...(field ? { field } : {}) } : { action: submit.data.summary };
      return { succeeded: true, value };
    }
    const value = recognise(a.text ?? '', spec.rows);
    return value ? { succeeded: true, value } : { succeeded: false };
  }
}
