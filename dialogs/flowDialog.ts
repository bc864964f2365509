import crypto from 'node:crypto';
import { MessageFactory } from 'botbuilder';
import { Dialog, DialogReason, ListStyle, type DialogContext, type DialogTurnResult, type FoundChoice } from 'botbuilder-dialogs';
import { clip, SUBJECT_MAX, type AttachmentRef } from '../bot/tickets/ticket';
import { answerText } from '../knowledge';
import type { IntentId, RoutableIntent, Step } from '../rules/schema';
import type { Entities } from './entities';
import type { FieldPromptSpec, FieldResult } from './fieldPrompt';
import { escapeMarkdown, fill, TRY_AGAIN } from './messages';
import type { TriageServices } from './services';
import type { SummaryAction, SummarySpec } from './summary';

export const FLOW_DIALOG = 'flow';
export const FIELD_PROMPT = 'fieldPrompt';
export const CHOICE_PROMPT = 'choicePrompt';
export const CONFIRM_PROMPT = 'confirmPrompt';
export const SUMMARY_PROMPT = 'summaryPrompt';

export interface FlowOptions {
  intent: RoutableIntent;
  /** The message that started the flow (fact answers use it). */
  text?: string;
  /** Start somewhere other than the intent's entry step. */
  step?: string;
  /** Fields collected by an earlier flow (goto, escalate): never asked twice. */
  carried?: { fields: Record<string, string>; attachments: AttachmentRef[]; from?: IntentId; reason?: string };
}

type Pending =
  | { kind: 'field'; field: string; correcting: boolean }
  | { kind: 'field_failed'; field: string; correcting: boolean }
  | { kind: 'choice' }
  | { kind: 'confirm' }
  | { kind: 'summary' }
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
  /** The ticket this run opened, for the hand-off that follows it. */
  ticket?: string;
  /** The user said the profile email is not their Kartra account email: don't offer it again. */
  profileDeclined?: boolean;
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

/** "Account email" reads "account email" mid-sentence; "IP address" stays. */
const lowerFirst = (s: string) => (/^[A-Z][A-Z]/.test(s) ? s : s.charAt(0).toLowerCase() + s.slice(1));
const STOP = 'Cancel';

/**
 * Runs one tree from rules/flows as data: say, answer, ask, choice, confirm, ticket, escalate, goto, end.
 * All progress lives in the dialog instance state, so a restart resumes at the same question.
 */
export class FlowDialog extends Dialog<FlowOptions> {
  constructor(private readonly services: TriageServices) {
    super(FLOW_DIALOG);
  }

  private get rules() { return this.services.brain.rules; }

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
      flowId, intent: options.intent, stepId, text: options.text ?? '', runId: runIdFor(dc, options.intent),
      fields: { ...(options.carried?.fields ?? {}) }, attachments: [...(options.carried?.attachments ?? [])],
      ...(options.carried?.from ? { from: options.carried.from } : {}),
      ...(options.carried?.reason ? { reason: options.carried.reason } : {}),
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
          const reason = `Sorry, I still couldn't take that (${r.reason.replace(/\.$/, '')}).`;
          // Stuck on one field: a person takes over, unless this already is the hand-off (which would loop).
          if (state.intent !== 'handoff.human') {
            await dc.context.sendActivity(`${reason} Let me get a person to help with this.`);
            return this.escalate(dc, state, 'field_retries');
          }
          state.pending = { kind: 'field_failed', field: pending.field, correcting: pending.correcting };
          return dc.prompt(CHOICE_PROMPT, {
            prompt: MessageFactory.text(`${reason} Shall we try once more?`),
            choices: [TRY_AGAIN, STOP], style: ListStyle.suggestedAction,
          });
        }
        state.fields[pending.field] = r.value;
        state.attachments = state.attachments.filter((a) => a.field !== pending.field);
        if (r.attachment) state.attachments.push({ field: pending.field, ...r.attachment });
        if (pending.correcting) return this.summarise(dc, state);
        if (step.type === 'ask') return this.advance(dc, state, step.next);
        return this.run(dc, state);
      }
      case 'field_failed': {
        const choice = (result as FoundChoice).value;
        if (choice === TRY_AGAIN) return this.askField(dc, state, pending.field, pending.correcting);
        await dc.context.sendActivity("OK, I've stopped here. Nothing was sent. Say hi whenever you want to start again.");
        return dc.endDialog();
      }
      case 'profile_email': {
        if (result === true) {
          state.fields[pending.field] = pending.email;
          return this.run(dc, state);
        }
        state.profileDeclined = true;
        return this.askField(dc, state, pending.field, false);
      }
      case 'choice': {
        if (step.type !== 'choice') return this.run(dc, state);
        const found = result as FoundChoice;
        const option = step.options[found.index];
        return this.advance(dc, state, option?.next);
      }
      case 'confirm':
        if (step.type !== 'confirm') return this.run(dc, state);
        return this.advance(dc, state, result === true ? step.yes : step.no);
      case 'summary': {
        const action = result as SummaryAction;
        if (action.action === 'confirm') return this.openTicket(dc, state);
        if (action.action === 'cancel') {
          await dc.context.sendActivity("OK, I haven't opened a ticket. What you told me is kept in this chat if you change your mind.");
          return dc.endDialog();
        }
        if (action.field) return this.askField(dc, state, action.field, true);
        state.pending = { kind: 'pick_correction' };
        const rows = this.summarySpec(state).rows;
        return dc.prompt(CHOICE_PROMPT, {
          prompt: MessageFactory.text('Which one should I correct?'),
          choices: rows.map((r) => r.label), style: ListStyle.suggestedAction,
        });
      }
      case 'pick_correction': {
        const rows = this.summarySpec(state).rows;
        const row = rows[(result as FoundChoice).index];
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
    if (!next) return dc.endDialog();
    state.stepId = next;
    return this.run(dc, state);
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
          if (answer) await dc.context.sendActivity(answer);
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
          return dc.prompt(CHOICE_PROMPT, {
            prompt: MessageFactory.text(step.prompt),
            retryPrompt: MessageFactory.text(`Please pick one of the options. ${step.prompt}`),
            choices: step.options.map((o) => ({ value: o.label, synonyms: o.synonyms })),
            style: ListStyle.suggestedAction,
          });
        case 'confirm':
          state.pending = { kind: 'confirm' };
          return dc.prompt(CONFIRM_PROMPT, {
            prompt: MessageFactory.text(step.prompt),
            retryPrompt: MessageFactory.text(`Please answer yes or no. ${step.prompt}`),
            style: ListStyle.suggestedAction,
          });
        case 'ticket': {
          const open = step.reuse_open ? await this.services.tickets.openFor(dc.context.activity.conversation.id) : undefined;
          if (open) {
            state.ticket = open.reference;
            await this.services.tickets.update(open.reference, { transcript: this.services.transcripts.list(open.conversationId) });
            await dc.context.sendActivity(`I've added this to your ticket **${open.reference}**, so everything is in one place.`);
            if (!step.next) return dc.endDialog();
            state.stepId = step.next;
            continue;
          }
          for (const name of this.ticketFields(step)) {
            if (state.fields[name] === undefined && !(await this.prefill(dc, state, name))) {
              return this.askField(dc, state, name, false);
            }
          }
          return this.summarise(dc, state);
        }
        case 'escalate':
          return this.escalate(dc, state, step.reason);
        case 'handoff':
          await this.services.handoff.escalate(dc.context, {
            intent: state.from ?? state.intent, reason: state.reason ?? 'user_request', fields: state.fields,
            ...(state.ticket ? { ticketReference: state.ticket } : {}),
          });
          return dc.endDialog();
        case 'goto':
          return dc.replaceDialog(FLOW_DIALOG, {
            intent: step.intent, text: state.text,
            carried: { fields: state.fields, attachments: state.attachments, from: state.intent },
          } satisfies FlowOptions);
        case 'end':
          if (step.text) await dc.context.sendActivity(step.text);
          return dc.endDialog();
      }
    }
    throw new Error(`Flow ${state.flowId} loops without asking anything`);
  }

  private ticketFields(step: Extract<Step, { type: 'ticket' }>): string[] {
    return [...new Set([...step.fields, ...this.rules.tickets.always_include])];
  }

  /** Uses a value the user already volunteered (an email or IP in an earlier message) instead of asking. */
  private async prefill(dc: DialogContext, state: FlowState, name: string): Promise<boolean> {
    const def = this.rules.field(state.flowId, name);
    if (!def) return false;
    const entities: Entities = await this.services.entities.get(dc.context, {});
    const value = def.type === 'email' ? entities.email : def.type === 'ip' ? entities.ip : def.type === 'domain' ? entities.domain : undefined;
    if (!value) return false;
    state.fields[name] = value;
    await dc.context.sendActivity(`I'll use ${escapeMarkdown(value)} as the ${lowerFirst(def.label)} (you mentioned it earlier; you can correct it before anything is sent).`);
    return true;
  }

  private async askField(dc: DialogContext, state: FlowState, name: string, correcting: boolean): Promise<DialogTurnResult> {
    const def = this.rules.field(state.flowId, name);
    if (!def) throw new Error(`Unknown field ${name} in flow ${state.flowId}`);
    // The channel knows an email (Teams profile): offer it, never assume it is the Kartra account's.
    const profileEmail = def.type === 'email' && !correcting && !state.profileDeclined ? (await this.services.entities.get(dc.context, {})).profileEmail : undefined;
    if (profileEmail) {
      state.pending = { kind: 'profile_email', field: name, email: profileEmail };
      return dc.prompt(CONFIRM_PROMPT, {
        prompt: MessageFactory.text(`Your Teams profile says ${escapeMarkdown(profileEmail)}. Is that the email address of your Kartra account?`),
        retryPrompt: MessageFactory.text(`Please answer yes or no: is ${escapeMarkdown(profileEmail)} the email address of your Kartra account?`),
        style: ListStyle.suggestedAction,
      });
    }
    state.pending = { kind: 'field', field: name, correcting };
    const spec: FieldPromptSpec = { field: name, def, maxFailures: this.rules.escalation.field_retries };
    return dc.prompt(FIELD_PROMPT, { validations: spec });
  }

  private summarySpec(state: FlowState): SummarySpec {
    const step = this.step(state);
    if (step.type !== 'ticket') throw new Error(`Step ${state.stepId} is not a ticket step`);
    const rows = this.ticketFields(step).map((name) => ({
      name, label: this.rules.field(state.flowId, name)?.label ?? name, value: state.fields[name] ?? '',
    }));
    // A long value (a 250-character domain) must not make the subject, and so the ticket, impossible.
    return { subject: clip(fill(step.subject, state.fields), SUBJECT_MAX), department: step.department, rows };
  }

  private async summarise(dc: DialogContext, state: FlowState): Promise<DialogTurnResult> {
    state.pending = { kind: 'summary' };
    return dc.prompt(SUMMARY_PROMPT, { validations: this.summarySpec(state) });
  }

  private async openTicket(dc: DialogContext, state: FlowState): Promise<DialogTurnResult> {
    const step = this.step(state);
    if (step.type !== 'ticket') return this.run(dc, state);
    const spec = this.summarySpec(state);
    const a = dc.context.activity;
    const note = [step.note, state.reason ? `Escalated (${state.reason})${state.from ? ` from ${state.from}` : ''}.` : undefined]
      .filter(Boolean).join(' ');
    const ticket = await this.services.tickets.create({
      // Hashed: conversation ids may be 500 characters long.
      idempotencyKey: crypto.createHash('sha256').update(`${a.conversation.id}:${state.runId}:${state.stepId}`).digest('base64url'),
      department: step.department, subject: spec.subject, intent: state.from ?? state.intent,
      channel: a.channelId, conversationId: a.conversation.id, userId: a.from.id,
      ...(note ? { note } : {}), fields: state.fields, attachments: state.attachments.map((att) => this.withFileId(att)),
      transcript: this.services.transcripts.list(a.conversation.id),
    });
    state.ticket = ticket.reference;
    const email = state.fields.account_email ?? 'you';
    await dc.context.sendActivity(fill(this.rules.tickets.confirmation,
      { reference: ticket.reference, department: ticket.department, account_email: escapeMarkdown(email) }));
    return this.advance(dc, state, step.next);
  }

  /** A screenshot uploaded to this bot is kept with the ticket by id, not only as a link that may expire. */
  private withFileId(att: AttachmentRef): AttachmentRef {
    const fileId = att.fileId ?? this.services.files.idFromUrl(att.url);
    return fileId ? { ...att, fileId } : att;
  }

  private async escalate(dc: DialogContext, state: FlowState, reason: string): Promise<DialogTurnResult> {
    return dc.replaceDialog(FLOW_DIALOG, {
      intent: 'handoff.human', text: state.text,
      carried: { fields: state.fields, attachments: state.attachments, from: state.from ?? state.intent, reason },
    } satisfies FlowOptions);
  }
}

