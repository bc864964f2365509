import { ActivityTypes, type TurnContext } from 'botbuilder';
import { Prompt, type PromptOptions, type PromptRecognizerResult, type PromptValidatorContext } from 'botbuilder-dialogs';
import type { Messages } from '../rules/messages';
import type { FieldDef } from '../rules/schema';
import { checkField, type AcceptedAttachment } from './fieldValidators';
import { withChoices } from './messages';

export interface FieldPromptSpec { field: string; def: FieldDef; maxFailures: number; preface?: string }
export type FieldResult =
  | { status: 'ok'; value: string; attachment?: AcceptedAttachment }
  | { status: 'failed'; reason: string };

interface FieldPromptState { reason?: string }

function quickReplies(def: FieldDef, m: Messages): string[] {
  if (def.type === 'yesno') return ['Yes', 'No'];
  if (def.type === 'choice') return def.choices ?? [];
  if (def.type === 'support_code') return [m.say('cant_find_support_code')];
  return [];
}

/**
 * Asks for one field and re-asks with the reason the answer was refused ("it has no @"). After
 * `maxFailures` refusals it ends with status "failed" so the flow can offer a person instead of looping.
 */
export class FieldPrompt extends Prompt<FieldResult> {
  constructor(dialogId: string, private readonly messages: () => Messages) {
    // Counting happens here, not in onRecognize: the SDK also calls onRecognize when it bubbles events.
    super(dialogId, async (pc: PromptValidatorContext<FieldResult>) => {
      if (pc.recognized.succeeded) return true;
      const value = pc.recognized.value;
      const reason = value?.status === 'failed' ? value.reason : this.messages().say('no_answer');
      (pc.state as FieldPromptState).reason = reason;
      if (pc.attemptCount < FieldPrompt.spec(pc.options).maxFailures) return false;
      pc.recognized.value = { status: 'failed', reason };
      return true;
    });
  }

  static spec(options: PromptOptions): FieldPromptSpec {
    return options.validations as FieldPromptSpec;
  }

  protected async onPrompt(context: TurnContext, state: object, options: PromptOptions, isRetry: boolean): Promise<void> {
    const spec = FieldPrompt.spec(options);
    const s = state as FieldPromptState;
    const lead = isRetry ? s.reason : spec.preface;
    await context.sendActivity(withChoices(lead ? `${lead}\n\n${spec.def.prompt}` : spec.def.prompt, quickReplies(spec.def, this.messages())));
  }

  protected async onRecognize(context: TurnContext, _state: object, options: PromptOptions): Promise<PromptRecognizerResult<FieldResult>> {
    const a = context.activity;
    if (a.type !== ActivityTypes.Message) return { succeeded: false };
    const check = checkField(FieldPrompt.spec(options).def, { text: a.text, attachments: a.attachments }, this.messages());
    if (check.ok) return { succeeded: true, value: { status: 'ok', value: check.value, ...(check.attachment ? { attachment: check.attachment } : {}) } };
    return { succeeded: false, value: { status: 'failed', reason: check.reason } };
  }
}
