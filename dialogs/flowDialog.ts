import crypto from 'node:crypto';
import { Dialog, DialogReason, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import { clip, SUBJECT_MAX, type AttachmentRef } from '../bot/tickets/ticket';
import { answerText } from '../knowledge';
import type { MessageKey } from '../rules/messages';
import type { IntentId, RoutableIntent, Step } from '../rules/schema';
import type { ChoiceOption, ChoiceResult, ChoiceSpec } from './choicePrompt';
import { checkField } from './fieldValidators';
import type { FieldPromptSpec, FieldResult } from './fieldPrompt';
import { readMemory, type Draft } from './memory';
import { escapeMarkdown, fill } from './messages';
import type { TriageServices } from './services';
import type { SummaryAction, SummarySpec } from './summary';

export const FLOW_DIALOG = 'flow';
export const FIELD_PROMPT = 'fieldPrompt';
export const CHOICE_PROMPT = 'choicePrompt';
export const SUMMARY_PROMPT = 'summaryPrompt';

export interface FlowOptions {
  intent: RoutableIntent;
  /** The message that started the flow (fact answers use it). */
  text?: string;
  /** Start somewhere other than the intent's entry step. */
  step?: string;
  /** Fields collected by an earlier flow (goto, escalate): never asked twice. */
  carried?: { fields: Record<string, string>; attachments: AttachmentRef[]; from?: IntentId; reason?: string; stuckOn?: string };
  /** Carry on a run that was interrupted (a cancelled summary brought back): the same ticket, not a new one. */
  runId?: string;
  /** Said before the summary is shown again. */
  lead?: string;
}

type Pending =
  | { kind: 'field'; field: string; correcting: boolean }
  | { kind: 'field_failed'; field: string; correcting: boolean }
  | { kind: 'choice' }
  | { kind: 'confirm' }
  | { kind: 'gave_up'; reason: string }
  | { kind: 'summary' }
  | { kind: 'summary_undecided' }
  | { kind: 'pick_correction' }
  | { kind: 'profile_email'; field: string; email: string };

export interface FlowState {
  flowId: string;
  intent: RoutableIntent;
  stepId: string;
  text: string;
  runId: string;
  fields: Record<string, string>;
  attachments: AttachmentRef[];
  from?: IntentId;
  reason?: string;
  /** The field the customer could not get past, for a hand-off that says so. */
  stuckOn?: string;
  /** The ticket this run opened, for the hand-off that follows it. */
  ticket?: string;
  /** The user said the profile email is not their Kartra account email: don't offer it again. */
  profileDeclined?: boolean;
  /** Said before the next summary (a summary brought back). */
  lead?: string;
  /** Values taken from what the customer said, not yet told: said together before the next question. */
  noted?: string[];
  pending?: Pending;
}

/**
 * Names one run of a flow (its ticket's idempotency key). Taken from the activity that started it, so a
 * turn replayed after a crash opens the same ticket, not a second one.
 */
function runIdFor(dc: DialogContext, intent: string): string {
  const id = dc.context.activity.id;
  return id ? crypto.createHash('sha256').update(`${id}:${intent}`).digest('base64url').slice(0, 22) : crypto.randomUUID();
}

/** Why a hand-off happened, in words (the hand-off ticket's subject, the agents' queue). */
const REASON_TEXT: Record<string, MessageKey> = {
  user_request: 'handoff_reason_user_request', field_retries: 'handoff_reason_field_retries', choice_retries: 'handoff_reason_choice_retries',
  negative_sentiment: 'handoff_reason_negative_sentiment', misunderstood: 'handoff_reason_misunderstood', not_resolved: 'handoff_reason_not_resolved',
};

/**
 * Runs one tree from rules/flows as data: say, answer, ask, choice, confirm, ticket, handoff, escalate,
 * goto, end. All progress lives in the dialog instance state, so a restart resumes at the same question.
 */
export class FlowDialog extends Dialog<FlowOptions> {
  constructor(private readonly services: TriageServices) {
    super(FLOW_DIALOG);
  }

  private get rules() { return this.services.brain.rules; }
  private get m() { return this.services.brain.rules.messages; }

  static state(dc: DialogContext): FlowState | undefined {
    const instance = dc.stack.find((i) => i.id === FLOW_DIALOG);
    return instance?.state as FlowState | undefined;
  }

  override async beginDialog(dc: DialogContext, options?: FlowOptions): Promise<DialogTurnResult> {
    if (!options) throw new Error('FlowDialog needs an intent');
    const flowId = this.rules.intents[options.intent].tree;
    const flow = this.rules.flows.get(flowId);
    const stepId = options.step ?? flow?.entry[options.intent];
    if (!flow || !stepId || !(stepId in flow.steps)) throw new Error(`No entry step for ${options.intent} in flow ${flowId}`);
    const state: FlowState = {
      flowId, intent: options.intent, stepId, text: options.text ?? '', runId: options.runId ?? runIdFor(dc, options.intent),
      fields: { ...(options.carried?.fields ?? {}) }, attachments: [...(options.carried?.attachments ?? [])],
      ...(options.carried?.from ? { from: options.carried.from } : {}),
      ...(options.carried?.reason ? { reason: options.carried.reason } : {}),
      ...(options.carried?.stuckOn ? { stuckOn: options.carried.stuckOn } : {}),
      ...(options.lead ? { lead: options.lead } : {}),
    };
    Object.assign(dc.activeDialog?.state ?? {}, state);
    return this.run(dc, dc.activeDialog?.state as FlowState);
  }

  override async resumeDialog(dc: DialogContext, _reason: DialogReason, result?: unknown): Promise<DialogTurnResult> {
    const state = dc.activeDialog?.state as FlowState;
    const pending = state.pending;
    delete state.pending;
    const step = this.step(state);
    switch (pending?.kind) {
      case 'field': {
        const r = result as FieldResult;
        if (r.status === 'failed') {
          // The first sentence says it ("That isn't an IP address"); the rest was said with each refusal.
          const reason = (/^.+?[.!?](?=\s|$)/.exec(r.reason)?.[0] ?? r.reason).replace(/[.!?]$/, '');
          // Stuck on one field: a person takes over, unless this already is the hand-off (which would loop).
          if (state.intent !== 'handoff.human') {
            await dc.context.sendActivity(this.m.say('field_stuck', { reason }));
            return this.escalate(dc, state, 'field_retries', pending.field);
          }
          state.pending = { kind: 'field_failed', field: pending.field, correcting: pending.correcting };
          return this.ask(dc, this.m.say('field_stuck_retry', { reason }), [this.m.say('try_again'), this.m.say('stop')], false);
        }
        this.setField(state, pending.field, r.value, r.attachment);
        if (pending.correcting) return this.summarise(dc, state);
        if (step.type === 'ask') return this.advance(dc, state, step.next);
        return this.run(dc, state);
      }
      case 'field_failed': {
        if ((result as ChoiceResult).status === 'ok' && (result as { index: number }).index === 0) return this.askField(dc, state, pending.field, pending.correcting);
        await dc.context.sendActivity(this.m.say('stopped'));
        return dc.endDialog();
      }
      case 'profile_email': {
        const r = result as ChoiceResult;
        if (r.status === 'ok' && r.index === 0) {
          state.fields[pending.field] = pending.email;
          return this.run(dc, state);
        }
        state.profileDeclined = true;
        return this.askField(dc, state, pending.field, false);
      }
      case 'choice': {
        const r = result as ChoiceResult;
        if (step.type !== 'choice') return this.run(dc, state);
        if (r.status === 'gave_up') return this.gaveUp(dc, state);
        return this.advance(dc, state, step.options[r.index]?.next);
      }
      case 'confirm': {
        const r = result as ChoiceResult;
        if (step.type !== 'confirm') return this.run(dc, state);
        if (r.status === 'gave_up') return this.gaveUp(dc, state);
        return this.advance(dc, state, r.index === 0 ? step.yes : step.no);
      }
      case 'gave_up': {
        const r = result as ChoiceResult;
        if (r.status === 'ok' && r.index === 0) return this.escalate(dc, state, pending.reason);
        await dc.context.sendActivity(this.m.say('stopped'));
        return dc.endDialog();
      }
      case 'summary':
        return this.onSummary(dc, state, result as SummaryAction);
      case 'summary_undecided': {
        const r = result as ChoiceResult;
        if (r.status === 'ok' && r.index === 0) return this.pickCorrection(dc, state);
        return this.cancelTicket(dc, state);
      }
      case 'pick_correction': {
        const r = result as ChoiceResult;
        const row = r.status === 'ok' ? this.summarySpec(state).rows[r.index] : undefined;
        return row ? this.askField(dc, state, row.name, true) : this.summarise(dc, state);
      }
      default:
        return this.run(dc, state);
    }
  }

  private step(state: FlowState): Step {
    const step = this.rules.flows.get(state.flowId)?.steps[state.stepId];
    if (!step) throw new Error(`Unknown step ${state.flowId}.${state.stepId}`);
    return step;
  }

  private async advance(dc: DialogContext, state: FlowState, next: string | undefined): Promise<DialogTurnResult> {
    if (!next) return this.finish(dc);
    state.stepId = next;
    return this.run(dc, state);
  }

  /** A tree that ends without a word of its own still says something: every message gets a reply. */
  private async finish(dc: DialogContext, text?: string): Promise<DialogTurnResult> {
    await this.tellNoted(dc, dc.activeDialog?.state as FlowState | undefined);
    await dc.context.sendActivity(text ?? this.m.say('anything_else'));
    return dc.endDialog();
  }

  /** A choice or yes/no question (the prompt understands free answers and gives up after a few misses). */
  private ask(dc: DialogContext, prompt: string, labels: string[] | ChoiceOption[], yesNo: boolean): Promise<DialogTurnResult> {
    const options = labels.map((l) => (typeof l === 'string' ? { label: l, synonyms: [] } : l));
    const spec: ChoiceSpec = { prompt, options, yesNo, maxFailures: this.rules.escalation.field_retries };
    return dc.prompt(CHOICE_PROMPT, { validations: spec });
  }

  /** Executes steps until one needs the user's answer or the tree ends. */
  private async run(dc: DialogContext, state: FlowState): Promise<DialogTurnResult> {
    for (let guard = 0; guard < 100; guard++) {
      const step = this.step(state);
      switch (step.type) {
        case 'say':
          await dc.context.sendActivity(fill(step.text, state.fields, true));
          if (!step.next) return dc.endDialog();
          state.stepId = step.next;
          continue;
        case 'answer': {
          const answer = answerText(this.services.brain.knowledge, step.article, state.intent, state.text);
          if (answer) await dc.context.sendActivity(answer.text);
          const memory = await readMemory(this.services.memory, dc.context);
          memory.lastTopic = state.intent;
          if (!step.next) return dc.endDialog();
          state.stepId = step.next;
          continue;
        }
        case 'ask':
          if (state.fields[step.field] === undefined && !(await this.prefill(dc, state, step.field))) {
            return this.askField(dc, state, step.field, false);
          }
          if (!step.next) return dc.endDialog();
          state.stepId = step.next;
          continue;
        case 'choice':
          state.pending = { kind: 'choice' };
          return this.ask(dc, step.prompt, step.options.map((o) => ({ label: o.label, synonyms: o.synonyms })), false);
        case 'confirm':
          state.pending = { kind: 'confirm' };
          return this.ask(dc, step.prompt, [{ label: 'Yes', synonyms: [] }, { label: 'No', synonyms: [] }], true);
        case 'ticket': {
          const open = step.reuse_open ? await this.services.tickets.openFor(dc.context.activity.conversation.id) : undefined;
          if (open) {
            state.ticket = open.reference;
            await this.services.tickets.update(open.reference, { transcript: this.services.transcripts.list(open.conversationId) });
            await dc.context.sendActivity(this.m.say('ticket_added', { reference: open.reference }));
            if (state.intent === 'handoff.human') this.services.handoff.noteTicket(open.conversationId, open.reference, state.fields);
            if (!step.next) return dc.endDialog();
            state.stepId = step.next;
            continue;
          }
          for (const name of this.ticketFields(step)) {
            if (state.fields[name] === undefined && !(await this.prefill(dc, state, name))) {
              return this.askField(dc, state, name, false);
            }
          }
          return step.confirm ? this.summarise(dc, state) : this.openTicket(dc, state);
        }
        case 'escalate':
          return this.escalate(dc, state, step.reason);
        case 'handoff': {
          const memory = await readMemory(this.services.memory, dc.context);
          memory.withPerson = true;
          await this.services.handoff.escalate(dc.context, {
            intent: state.from ?? state.intent, reason: state.reason ?? 'user_request', fields: state.fields,
            ...(state.ticket ? { ticketReference: state.ticket } : {}),
          }, step.text);
          if (!step.next) return dc.endDialog();
          state.stepId = step.next;
          continue;
        }
        case 'goto':
          return dc.replaceDialog(FLOW_DIALOG, {
            intent: step.intent, text: state.text,
            carried: { fields: state.fields, attachments: state.attachments, from: state.intent },
          } satisfies FlowOptions);
        case 'end':
          return this.finish(dc, step.text);
      }
    }
    throw new Error(`Flow ${state.flowId} loops without asking anything`);
  }

  private ticketFields(step: Extract<Step, { type: 'ticket' }>): string[] {
    return [...new Set([...step.fields, ...this.rules.tickets.always_include.filter((f) => !step.skip.includes(f))])];
  }

  private setField(state: FlowState, name: string, value: string, attachment?: AttachmentRef | Omit<AttachmentRef, 'field'>): void {
    state.fields[name] = value;
    state.attachments = state.attachments.filter((a) => a.field !== name);
    if (attachment) state.attachments.push({ ...attachment, field: name });
  }

  /**
   * Uses a value the customer volunteered in any message ("I'm at home, no VPN") instead of asking, once
   * the field's own validator takes it, and says so: it shows at the summary and can be corrected.
   */
  private async prefill(dc: DialogContext, state: FlowState, name: string): Promise<boolean> {
    const def = this.rules.field(state.flowId, name);
    const said = (await readMemory(this.services.memory, dc.context)).slots[name];
    if (!def || said === undefined) return false;
    const check = checkField(def, { text: said }, this.m);
    if (!check.ok) return false;
    state.fields[name] = check.value;
    state.noted = [...(state.noted ?? []), `${def.label}: ${escapeMarkdown(check.value)}`];
    return true;
  }

  /** The values taken from what the customer said, in one message, before the next question. */
  private async tellNoted(dc: DialogContext, state: FlowState | undefined): Promise<void> {
    if (!state?.noted?.length) return;
    await dc.context.sendActivity(this.m.say('prefilled', { values: state.noted.join(' · ') }));
    delete state.noted;
  }

  private async askField(dc: DialogContext, state: FlowState, name: string, correcting: boolean): Promise<DialogTurnResult> {
    await this.tellNoted(dc, state);
    const def = this.rules.field(state.flowId, name);
    if (!def) throw new Error(`Unknown field ${name} in flow ${state.flowId}`);
    // The channel knows an email (Teams profile): offer it, never assume it is the Kartra account's.
    const profileEmail = def.type === 'email' && !correcting && !state.profileDeclined ? (await readMemory(this.services.memory, dc.context)).profileEmail : undefined;
    if (profileEmail) {
      state.pending = { kind: 'profile_email', field: name, email: profileEmail };
      return this.ask(dc, this.m.say('profile_email_offer', { email: escapeMarkdown(profileEmail) }), [{ label: 'Yes', synonyms: [] }, { label: 'No', synonyms: [] }], true);
    }
    state.pending = { kind: 'field', field: name, correcting };
    const spec: FieldPromptSpec = { field: name, def, maxFailures: this.rules.escalation.field_retries };
    return dc.prompt(FIELD_PROMPT, { validations: spec });
  }

  /** The hand-off ticket's subject says why; every other ticket's comes from its step. */
  private subject(state: FlowState, step: Extract<Step, { type: 'ticket' }>): string {
    const key = REASON_TEXT[state.reason ?? 'user_request'] ?? 'handoff_reason_user_request';
    const stuckOn = state.stuckOn ? this.rules.allFields().get(state.stuckOn)?.label ?? state.stuckOn : '';
    const context = {
      ...state.fields,
      // Each reason text takes at most the {field}; the others ignore it.
      handoff_reason: this.m.say(key as 'handoff_reason_field_retries', { field: stuckOn }),
      topic: state.from && state.from !== 'none' ? this.rules.intents[state.from].label : '',
    };
    return clip(fill(step.subject, context).replace(/\s*[·:(]\s*\)?\s*$/, ''), SUBJECT_MAX);
  }

  private summarySpec(state: FlowState): SummarySpec {
    const step = this.step(state);
    if (step.type !== 'ticket') throw new Error(`Step ${state.stepId} is not a ticket step`);
    const rows = this.ticketFields(step).map((name) => {
      const def = this.rules.field(state.flowId, name);
      return { name, label: def?.label ?? name, value: state.fields[name] ?? '', aliases: def?.aliases ?? [] };
    });
    return { subject: this.subject(state, step), department: step.department, rows, ...(state.lead ? { lead: state.lead } : {}) };
  }

  private async summarise(dc: DialogContext, state: FlowState): Promise<DialogTurnResult> {
    await this.tellNoted(dc, state);
    const spec = this.summarySpec(state);
    delete state.lead;
    state.pending = { kind: 'summary' };
    return dc.prompt(SUMMARY_PROMPT, { validations: spec });
  }

  private async onSummary(dc: DialogContext, state: FlowState, action: SummaryAction): Promise<DialogTurnResult> {
    switch (action.action) {
      case 'confirm':
        return this.openTicket(dc, state);
      case 'cancel':
        return this.cancelTicket(dc, state);
      case 'undecided':
        state.pending = { kind: 'summary_undecided' };
        return this.ask(dc, this.m.say('summary_no'), [this.m.say('summary_correct'), this.m.say('summary_cancel')], false);
      case 'correct': {
        if (!action.field) return this.pickCorrection(dc, state);
        // "the email is wrong, it should be mike@example.com": the new value is in the same message.
        const def = this.rules.field(state.flowId, action.field);
        const said = action.said ? /(?:\bto\b|should be|\bis\b|it'?s|instead)\s+(.+)$/i.exec(action.said)?.[1] ?? action.said : undefined;
        const check = def && said && def.type !== 'text' ? checkField(def, { text: said }, this.m) : undefined;
        if (check?.ok && check.value !== state.fields[action.field]) {
          this.setField(state, action.field, check.value, check.attachment);
          return this.summarise(dc, state);
        }
        return this.askField(dc, state, action.field, true);
      }
    }
  }

  private pickCorrection(dc: DialogContext, state: FlowState): Promise<DialogTurnResult> {
    state.pending = { kind: 'pick_correction' };
    const rows = this.summarySpec(state).rows;
    return this.ask(dc, this.m.say('summary_which_field'), rows.map((r) => ({ label: r.label, synonyms: [r.name.replace(/_/g, ' '), ...r.aliases] })), false);
  }

  /** Nothing is opened, and the answers are kept: "actually, open it" brings the summary back. */
  private async cancelTicket(dc: DialogContext, state: FlowState): Promise<DialogTurnResult> {
    const memory = await readMemory(this.services.memory, dc.context);
    const draft: Draft = {
      intent: state.intent, step: state.stepId, fields: state.fields, attachments: state.attachments, runId: state.runId,
      ...(state.from ? { from: state.from } : {}), ...(state.reason ? { reason: state.reason } : {}),
    };
    memory.draft = draft;
    await dc.context.sendActivity(this.m.say('summary_cancelled'));
    return dc.endDialog();
  }

  private async openTicket(dc: DialogContext, state: FlowState): Promise<DialogTurnResult> {
    await this.tellNoted(dc, state);
    const step = this.step(state);
    if (step.type !== 'ticket') return this.run(dc, state);
    const a = dc.context.activity;
    const note = [step.note, state.reason ? `Escalated (${state.reason})${state.from ? ` from ${state.from}` : ''}.` : undefined]
      .filter(Boolean).join(' ');
    const ticket = await this.services.tickets.create({
      // Hashed: conversation ids may be 500 characters long.
      idempotencyKey: crypto.createHash('sha256').update(`${a.conversation.id}:${state.runId}:${state.stepId}`).digest('base64url'),
      department: step.department, subject: this.subject(state, step), intent: state.from ?? state.intent,
      channel: a.channelId, conversationId: a.conversation.id, userId: a.from.id,
      ...(note ? { note } : {}), fields: state.fields, attachments: state.attachments.map((att) => this.withFileId(att)),
      transcript: this.services.transcripts.list(a.conversation.id),
    });
    state.ticket = ticket.reference;
    const memory = await readMemory(this.services.memory, dc.context);
    delete memory.draft;
    if (state.intent === 'handoff.human') this.services.handoff.noteTicket(a.conversation.id, ticket.reference, state.fields);
    await dc.context.sendActivity(this.m.say('ticket_opened', {
      reference: ticket.reference, department: ticket.department, account_email: escapeMarkdown(state.fields.account_email ?? 'you'),
    }));
    if (step.next) { state.stepId = step.next; return this.run(dc, state); }
    return dc.endDialog();
  }

  /** A screenshot uploaded to this bot is kept with the ticket by id, not only as a link that may expire. */
  private withFileId(att: AttachmentRef): AttachmentRef {
    const fileId = att.fileId ?? this.services.files.idFromUrl(att.url);
    return fileId ? { ...att, fileId } : att;
  }

  /** A question the customer could not answer after a few tries: a person, or stop. */
  private gaveUp(dc: DialogContext, state: FlowState): Promise<DialogTurnResult> {
    state.pending = { kind: 'gave_up', reason: 'choice_retries' };
    return this.ask(dc, this.m.say('choice_give_up'), [this.m.say('talk_to_person'), this.m.say('stop')], false);
  }

  private async escalate(dc: DialogContext, state: FlowState, reason: string, stuckOn?: string): Promise<DialogTurnResult> {
    return dc.replaceDialog(FLOW_DIALOG, {
      intent: 'handoff.human', text: state.text,
      carried: { fields: state.fields, attachments: state.attachments, from: state.from ?? state.intent, reason, ...(stuckOn ? { stuckOn } : {}) },
    } satisfies FlowOptions);
  }
}
