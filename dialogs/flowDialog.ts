import crypto from 'node:crypto';
import { Dialog, DialogReason, DialogTurnStatus, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import { clip, SUBJECT_MAX, type AttachmentRef } from '../bot/tickets/ticket';
import { answerText } from '../knowledge';
import { stepTargets } from '../rules/loader';
import type { MessageKey } from '../rules/messages';
import type { FieldDef, IntentId, RoutableIntent, Step } from '../rules/schema';
import { besidesTicketRequest, type ChoiceOption, type ChoiceResult, type ChoiceSpec } from './choicePrompt';
import { checkField } from './fieldValidators';
import { FieldPrompt, type FieldPromptSpec, type FieldResult } from './fieldPrompt';
import { readMemory, rememberEmail, type Draft } from './memory';
import { escapeMarkdown, fill } from './messages';
import { extractSlots } from './slots';
import { polarity } from './polarity';
import { recordEvent, type TriageServices } from './services';
import type { SummaryAction, SummarySpec } from './summary';
import { isEmailAddress } from '../bot/emailAddress';

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
  carried?: { fields: Record<string, string>; attachments: AttachmentRef[]; from?: IntentId; reason?: string; stuckOn?: string; problem?: string };
  /** Carry on a run that was interrupted (a cancelled summary brought back): the same ticket, not a new one. */
  runId?: string;
  /** Said before the summary is shown again. */
  lead?: string;
}

type Pending =
  /** `correcting`: back to the summary after; `resume`: back to the question that was open (a correction midway). */
  | { kind: 'field'; field: string; correcting: boolean; resume?: boolean }
  | { kind: 'field_failed'; field: string; correcting: boolean; resume?: boolean; person: boolean }
  | { kind: 'choice' }
  | { kind: 'confirm' }
  | { kind: 'gave_up'; reason: string }
  /** A "no" to "did that work?" that also said the customer is done: asked before a ticket or a person. */
  | { kind: 'unresolved'; next: string }
  | { kind: 'summary' }
  | { kind: 'summary_undecided' }
  | { kind: 'pick_correction' }
  | { kind: 'profile_email'; field: string; email: string }
  /** A correction taken back: the summary again, unchanged. */
  | { kind: 'kept' };

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
  /** What the customer said besides yes or no in their last answer ("no, the link says expired"). */
  said?: string;
  /** The message that raised the problem (for a hand-off, the one that started the tree before it). */
  problem?: string;
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

/** A correction of an answer given earlier ("the email is wrong", "the IP should be …"). */
/** Said in a longer answer, that the customer is done: "nah I'm good, I'll try again tomorrow", "no, that's everything". */
const DONE_SAID = /\b(?:i'?m\s+(?:good|fine|all\s+set|ok(?:ay)?|sorted)|that'?s\s+(?:all|it|everything)|nothing\s+else|all\s+set|no\s+need|(?:i'?ll|i\s+will)\s+(?:try|do\s+it|check)\s+(?:it\s+)?(?:again\s+)?(?:later|tomorrow)|(?:don'?t|do\s+not|did\s*n'?t)\s+need\s+(?:a|the|any)\s+ticket)\b/i;

/** Field kinds whose values say which field they are: a bare value of one of them can only correct that field. */
const DISTINCT_KINDS = new Set<FieldDef['type']>(['domain', 'ip', 'email']);

/** Taking a correction back: "wait no, it's fine actually", "keep it as it was", "never mind". */
const KEEP = /^\W*(?:(?:wait|no|nah|nope|sorry|actually|oh|hmm+|ok(?:ay)?|um+)\W+)*(?:(?:it|that|the\s+\w+(?:\s+\w+)?)(?:'s|\s+is|\s+was)\s+(?:fine|right|correct|ok(?:ay)?|good)(?:\s+(?:actually|after\s+all|as\s+it\s+(?:is|was)))?|keep\s+(?:it|that|the\s+old\s+one)(?:\s+as\s+it\s+(?:is|was))?|leave\s+it(?:\s+as\s+it\s+(?:is|was))?|no\s+change|don'?t\s+change\s+(?:it|anything)|never\s*mind|nvm|forget\s+it)\W*$/i;

const CORRECTION = /\b(?:actually|i\s+mean)\W*$|\b(?:wrong|incorrect|typo|mistake|should\s+(?:be|have\s+been|say)|is\s+actually|i\s+meant|not\s+right|change|update|correct(?:ion)?)\b|^(?:no+|nope|wait|oops|sorry|actually|hold\s+on|hang\s+on)\b[\s,.!]+(?:wait[\s,.!]+)?(?:the\s+|my\s+)?\S+(?:\s+\S+)?\s+(?:is|was|should)\b/i;
/** Whether `text` names `words` as whole words ("id" is not in "did"). */
export const mentions = (text: string, words: string) => new RegExp(`\\b${words.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+')}\\b`, 'i').test(text);
/** The new value in a correction: what follows its last "it's", "should be", "to" or "instead". */
function valueAfter(text: string): string | undefined {
  const parts = text.split(/\b(?:it'?s|it\s+is|should\s+(?:be|have\s+been|say)|is\s+actually|to|instead(?:\s+of\s+that)?|i\s+meant|is)\b\s*:?/i);
  // "davek not dave.k": the value, without the old one it replaces.
  const last = parts.length > 1 ? parts.at(-1)?.trim().replace(/\s+(?:not|instead\s+of|rather\s+than)\s+.*$/i, '').replace(/^[\s,:;-]+|[\s.!,;]+$/g, '') : undefined;
  return last && !CORRECTION.test(last) ? last : undefined;
}
/** The option a sentence names more of (label and synonyms) than any other option, if one does. */
function optionSaid<T extends { label: string; synonyms: string[] }>(options: T[], text: string, productNames: string[]): T | undefined {
  // The product's own name is in most messages ("the receipt has a kartra logo"): it names no option by itself.
  const names = new Set(productNames.map((n) => n.toLowerCase()));
  const scored = options.map((o) => ({ o, n: [o.label, ...o.synonyms].filter((w) => !names.has(w.toLowerCase()) && mentions(text, w)).length }))
    .sort((a, b) => b.n - a.n);
  const [first, second] = scored;
  return first && first.n > 0 && first.n > (second?.n ?? 0) ? first.o : undefined;
}

/** A message that is nothing but an email address, an IP address or a link: the type of field it fills. */
function bareValueType(text: string): 'email' | 'ip' | 'screenshot' | undefined {
  const t = text.trim().replace(/[.!]+$/, '');
  if (/^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$/.test(t)) return 'email';
  if (/^(?:\d{1,3}\.){3}\d{1,3}$/.test(t)) return 'ip';
  if (/^https?:\/\/\S+$/i.test(t)) return 'screenshot';
  return undefined;
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
    // A hand-off is begun outside the route (a person asked for mid-tree): nothing is taken up after it.
    if (options.intent === 'handoff.human') delete (await readMemory(this.services.memory, dc.context)).nextTopic;
    const state: FlowState = {
      flowId, intent: options.intent, stepId, text: options.text ?? '', runId: options.runId ?? runIdFor(dc, options.intent),
      fields: { ...(options.carried?.fields ?? {}) }, attachments: [...(options.carried?.attachments ?? [])],
      ...(options.carried?.from ? { from: options.carried.from } : {}),
      ...(options.carried?.reason ? { reason: options.carried.reason } : {}),
      ...(options.carried?.stuckOn ? { stuckOn: options.carried.stuckOn } : {}),
      ...(options.carried?.problem ? { problem: options.carried.problem } : {}),
      ...(options.lead ? { lead: options.lead } : {}),
    };
    Object.assign(dc.activeDialog?.state ?? {}, state);
    return this.run(dc, dc.activeDialog?.state as FlowState);
  }

  override async resumeDialog(dc: DialogContext, _reason: DialogReason, result?: unknown): Promise<DialogTurnResult> {
    const state = dc.activeDialog?.state as FlowState;
    const pending = state.pending;
    delete state.pending;
    // What an answer said besides yes or no is for the question right after it only.
    delete state.said;
    const step = this.step(state);
    switch (pending?.kind) {
      case 'field': {
        const r = result as FieldResult;
        if (r.status === 'failed') {
          // The first sentence says it ("That isn't an IP address"); the rest was said with each refusal.
          const reason = (/^.+?[.!?](?=\s|$)/.exec(r.reason)?.[0] ?? r.reason).replace(/[.!?]$/, '');
          // Stuck on one field: offer a person, unless this already is the hand-off (which would loop).
          const person = state.intent !== 'handoff.human';
          state.pending = { kind: 'field_failed', field: pending.field, correcting: pending.correcting, person, ...(pending.resume ? { resume: true } : {}) };
          const options = [...(person ? [this.m.say('talk_to_person')] : []), this.m.say('try_again'), this.m.say('stop')];
          return this.ask(dc, this.m.say(person ? 'field_stuck' : 'field_stuck_retry', { reason }), options, false);
        }
        this.setField(state, pending.field, r.value, r.attachment);
        if (pending.correcting) return this.summarise(dc, state);
        if (pending.resume) return this.run(dc, state);
        if (step.type === 'ask') return this.advance(dc, state, step.next);
        return this.run(dc, state);
      }
      case 'kept':
        await dc.context.sendActivity(this.m.say('correction_kept'));
        return this.summarise(dc, state);
      case 'field_failed': {
        const r = result as ChoiceResult;
        const choice = r.status === 'ok' ? (pending.person ? ['person', 'again', 'stop'] : ['again', 'stop'])[r.index] : 'stop';
        if (choice === 'person') return this.escalate(dc, state, 'field_retries', pending.field);
        if (choice === 'again') return this.askField(dc, state, pending.field, pending.correcting, pending.resume);
        return this.stopKeeping(dc, state);
      }
      case 'profile_email': {
        const r = result as ChoiceResult;
        if (r.status === 'ok' && r.index < 0 && r.said) {
          state.fields[pending.field] = r.said;
          return this.run(dc, state);
        }
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
        // A description adds to the message that raised the problem ("charged twice" + "$99 on March 3 and 4").
        const problem = r.described ? this.problemStatement(state) : undefined;
        const chosen = step.options[r.index]?.next;
        // "No, that's all" where a "no" would open a ticket ("does that cover it, or shall I open a ticket?"):
        // the customer is done, so the option that ends the tree.
        if (chosen && !r.described && this.saysDone(dc.context.activity.text ?? '') && (this.leadsToTicket(state.flowId, chosen) || this.rules.flows.get(state.flowId)?.steps[chosen]?.type === 'escalate')) {
          const ending = step.options.find((o) => this.rules.flows.get(state.flowId)?.steps[o.next]?.type === 'end');
          if (ending) return this.advance(dc, state, ending.next);
        }
        if (r.said) state.said = problem ? `${problem.replace(/[\s.!]*$/, '')}. ${r.said}` : r.said;
        return this.advance(dc, state, chosen);
      }
      case 'confirm': {
        const r = result as ChoiceResult;
        if (step.type !== 'confirm') return this.run(dc, state);
        if (r.status === 'gave_up') return this.gaveUp(dc, state);
        if (r.said) state.said = r.said;
        const next = r.index === 0 ? step.yes : step.no;
        const escalates = this.rules.flows.get(state.flowId)?.steps[next]?.type === 'escalate';
        if (r.index === 1 && (escalates || this.leadsToTicket(state.flowId, next)) && this.saysDone(dc.context.activity.text ?? '')) {
          state.pending = { kind: 'unresolved', next };
          // Left here, the conversation counts as abandoned at this question: the answer did not solve it.
          await recordEvent(this.services, dc.context, { kind: 'question', intent: state.intent, detail: `${state.flowId}.${state.stepId}` });
          return this.ask(dc, this.m.say(escalates ? 'unresolved_offer' : 'unresolved_offer_ticket'), [this.m.say(escalates ? 'talk_to_person' : 'open_ticket'), this.m.say('leave_it')], false);
        }
        return this.advance(dc, state, next);
      }
      case 'unresolved': {
        const r = result as ChoiceResult;
        if (r.status === 'ok' && r.index === 0) return this.advance(dc, state, pending.next);
        await dc.context.sendActivity(this.m.say('left_unresolved'));
        return dc.endDialog();
      }
      case 'gave_up': {
        const r = result as ChoiceResult;
        if (r.status === 'ok' && r.index === 0) return this.escalate(dc, state, pending.reason);
        return this.stopKeeping(dc, state);
      }
      case 'summary':
        return this.onSummary(dc, state, result as SummaryAction);
      case 'summary_undecided': {
        // Open, correct or cancel: the way back to opening it is always there.
        const r = result as ChoiceResult;
        if (r.status !== 'ok') return this.summarise(dc, state);
        if (r.index === 0) return this.openTicket(dc, state);
        if (r.index === 1) return this.pickCorrection(dc, state);
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

  // ---- what the customer says between the questions (called by MainDialog before the open prompt hears it) ----

  /**
   * A press of a summary card's buttons. From this run's card while a later question of the same ticket is
   * open (a correction started from the card): honoured. From another run's card, or one without a run
   * mid-form: refused, so a card left on screen can never act on another form.
   */
  async summaryPressed(dc: DialogContext, action: SummaryAction, run: string | undefined): Promise<DialogTurnResult | undefined> {
    const state = FlowDialog.state(dc);
    const open = dc.activeDialog?.id;
    if (!state || open === FLOW_DIALOG) return undefined;
    // A card of an earlier form (or one that never showed this run's summary) must not act on this one.
    if (run !== state.runId && (run !== undefined || open !== SUMMARY_PROMPT)) {
      await dc.context.sendActivity(this.m.say('stale_card'));
      await dc.repromptDialog();
      return { status: DialogTurnStatus.waiting };
    }
    if (open === SUMMARY_PROMPT) return undefined;
    const step = this.step(state);
    if (step.type !== 'ticket' || !step.confirm) return undefined;
    state.pending = { kind: 'summary' };
    // Ends the open prompt; the flow resumes with the button's action.
    return dc.endDialog(action);
  }

  /**
   * "Nothing in spam either, checked 3 times" at the email question: a statement that is no value of the
   * field, where the problem was already described, is more of that description. It is added to it, said
   * so, and the question asked again.
   */
  async addToDescription(dc: DialogContext, text: string): Promise<DialogTurnResult | undefined> {
    const state = FlowDialog.state(dc);
    const open = dc.activeDialog;
    if (!state || open?.id !== FIELD_PROMPT || (text.match(/\p{L}{2,}/gu) ?? []).length < 5) return undefined;
    const def = FieldPrompt.spec(open.state.options).def;
    if (def.type === 'text' || checkField(def, { text }, this.m).ok) return undefined;
    const described = Object.keys(state.fields).find((n) => this.rules.field(state.flowId, n)?.type === 'text');
    const label = described ? this.rules.field(state.flowId, described)?.label : undefined;
    if (!described || !label) return undefined;
    state.fields[described] = `${(state.fields[described] ?? '').replace(/[\s.!]*$/, '')}. ${text.trim()}`.slice(0, 2000);
    await dc.context.sendActivity(this.m.say('added_to_description', { label }));
    await dc.repromptDialog();
    return { status: DialogTurnStatus.waiting };
  }

  /** The team the form's ticket goes to: of the ticket steps ahead of this one, when they all go to one team. */
  ticketDepartment(dc: DialogContext): string | undefined {
    const state = FlowDialog.state(dc);
    const steps = state ? this.rules.flows.get(state.flowId)?.steps : undefined;
    if (!state || !steps) return undefined;
    const departments = new Set<string>();
    const seen = new Set<string>();
    for (const queue = [state.stepId]; queue.length;) {
      const id = queue.shift() ?? '';
      const step = steps[id];
      if (!step || seen.has(id)) continue;
      seen.add(id);
      if (step.type === 'ticket') { departments.add(step.department); continue; }
      queue.push(...stepTargets(step).map(([, target]) => target));
    }
    return departments.size === 1 ? [...departments][0] : undefined;
  }

  /**
   * "198.51.100.7" at "Sorry, I still couldn't take that… Talk to a person | Try again | Cancel": the
   * question's answer after all, taken as such.
   */
  async valueAtRetry(dc: DialogContext, text: string): Promise<DialogTurnResult | undefined> {
    const state = FlowDialog.state(dc);
    const p = state?.pending;
    if (!state || p?.kind !== 'field_failed' || dc.activeDialog?.id !== CHOICE_PROMPT) return undefined;
    const def = this.rules.field(state.flowId, p.field);
    const check = def ? checkField(def, { text }, this.m) : undefined;
    if (!check?.ok) return undefined;
    state.pending = { kind: 'field', field: p.field, correcting: p.correcting, ...(p.resume ? { resume: true } : {}) };
    return dc.endDialog({ status: 'ok', value: check.value, ...(check.attachment ? { attachment: check.attachment } : {}) } satisfies FieldResult);
  }

  /** "Wait no, it's fine actually" while a field is being corrected: the value stays, and the summary is shown again. */
  async keepCorrected(dc: DialogContext, text: string): Promise<DialogTurnResult | undefined> {
    const state = FlowDialog.state(dc);
    if (!state || state.pending?.kind !== 'field' || !state.pending.correcting || dc.activeDialog?.id !== FIELD_PROMPT || !KEEP.test(text)) return undefined;
    state.pending = { kind: 'kept' };
    return dc.endDialog();
  }

  /**
   * "The IP is wrong, it's 84.23.112.19" at a later question: that field takes the new value, and the open
   * question is asked again; without a value, the field is asked first. Only at questions with a fixed
   * form: a free-text answer may well mention a field ("it says my username is wrong").
   */
  async correctEarlier(dc: DialogContext, text: string): Promise<DialogTurnResult | undefined> {
    const state = FlowDialog.state(dc);
    const open = dc.activeDialog;
    if (!state || !CORRECTION.test(text) || !open || open.id === SUMMARY_PROMPT) return undefined;
    if (open.id === FIELD_PROMPT) {
      // "Wait no, that's not right, only I use this IP" at "do several people use this IP?" answers it.
      const { def, field } = FieldPrompt.spec(open.state.options);
      if (def.type === 'text' || checkField(def, { text }, this.m).ok || extractSlots(this.rules.allFields(), text)[field] !== undefined) return undefined;
    }
    const asking = state.pending?.kind === 'field' ? state.pending.field : undefined;
    const named = Object.keys(state.fields).filter((n) => n !== asking).find((n) => {
      const def = this.rules.field(state.flowId, n);
      return def && [def.label, n.replace(/_/g, ' '), ...def.aliases].some((w) => mentions(text, w));
    });
    if (!named) return this.correctByValue(dc, state, text);
    const def = this.rules.field(state.flowId, named);
    if (!def) return undefined;
    const value = valueAfter(text);
    const oneWord = def.type === 'username' || def.type === 'support_code';
    const check = value && def.type !== 'text' && (!oneWord || !/\s/.test(value)) ? checkField(def, { text: value }, this.m) : undefined;
    if (check?.ok) {
      this.setField(state, named, check.value, check.attachment);
      await dc.context.sendActivity(this.m.say('field_corrected', { label: def.label, value: escapeMarkdown(check.value) }));
      await dc.repromptDialog();
      return { status: DialogTurnStatus.waiting };
    }
    const spec: FieldPromptSpec = { field: named, def, maxFailures: this.rules.escalation.field_retries };
    state.pending = { kind: 'field', field: named, correcting: false, resume: true };
    return dc.replaceDialog(FIELD_PROMPT, { validations: spec });
  }

  /**
   * "Wait, it's www.bakerybliss.com actually" at the email question: a value the open question does not take
   * but exactly one earlier answer of a distinct kind (a domain, an IP or an email) does, is that answer
   * corrected.
   */
  private async correctByValue(dc: DialogContext, state: FlowState, text: string): Promise<DialogTurnResult | undefined> {
    const open = dc.activeDialog;
    const openDef = open?.id === FIELD_PROMPT ? FieldPrompt.spec(open.state.options).def : undefined;
    const asking = state.pending?.kind === 'field' ? state.pending.field : undefined;
    const tokens = text.split(/[\s,;!?()]+/).map((t) => t.replace(/^["'“]+|["'”.:]+$/g, '')).filter(Boolean);
    // A value the open question takes is its answer, not a correction.
    if (openDef && tokens.some((t) => checkField(openDef, { text: t }, this.m).ok)) return undefined;
    const fits = tokens.flatMap((t) => Object.keys(state.fields).filter((n) => n !== asking).flatMap((n) => {
      const def = this.rules.field(state.flowId, n);
      if (!def || !DISTINCT_KINDS.has(def.type)) return [];
      const check = checkField(def, { text: t }, this.m);
      return check.ok && check.value !== state.fields[n] ? [{ name: n, def, value: check.value }] : [];
    }));
    const [only] = fits;
    if (fits.length !== 1 || !only) return undefined;
    this.setField(state, only.name, only.value);
    await dc.context.sendActivity(this.m.say('field_corrected', { label: only.def.label, value: escapeMarkdown(only.value) }));
    await dc.repromptDialog();
    return { status: DialogTurnStatus.waiting };
  }

  /**
   * Answers to questions not asked yet, given at this one ("nope, no vpn" while the email is asked; an email
   * typed where a description is asked): kept for those questions, said back, and this question asked
   * again without counting a miss.
   */
  /** The form's open question as the lead's view names it (flow.field, flow.step, flow.summary), if one is open. */
  pendingQuestion(dc: DialogContext): { intent: string; detail: string } | undefined {
    const state = FlowDialog.state(dc);
    const p = state?.pending;
    if (!state || !p) return undefined;
    const name = p.kind === 'field' || p.kind === 'profile_email' ? p.field : p.kind === 'summary' || p.kind === 'summary_undecided' ? 'summary' : state.stepId;
    return { intent: state.intent, detail: `${state.flowId}.${name}` };
  }

  /**
   * "Is it sam@example.com?" answered with another address: that address is the answer (checked as the
   * field is), not a refused yes or no.
   */
  async answerOfferedEmail(dc: DialogContext, text: string): Promise<DialogTurnResult | undefined> {
    const state = FlowDialog.state(dc);
    if (!state || state.pending?.kind !== 'profile_email' || dc.activeDialog?.id !== CHOICE_PROMPT || !/@/.test(text)) return undefined;
    const def = this.rules.field(state.flowId, state.pending.field);
    const check = def ? checkField(def, { text }, this.m) : undefined;
    if (!check?.ok) return undefined;
    // The offer's question ends with the address as what was said; the flow takes it from there.
    return dc.endDialog({ status: 'ok', index: -1, said: check.value } satisfies ChoiceResult);
  }

  async noteVolunteered(dc: DialogContext, text: string): Promise<DialogTurnResult | undefined> {
    const state = FlowDialog.state(dc);
    const open = dc.activeDialog;
    if (!state || open?.id !== FIELD_PROMPT || state.pending?.kind !== 'field') return undefined;
    const current = FieldPrompt.spec(open.state.options).def;
    if (current.type !== 'text' && checkField(current, { text }, this.m).ok) return undefined;
    const later = this.laterFields(state).filter((n) => n !== (state.pending as { field: string }).field);
    const found: Record<string, string> = {};
    if (current.type === 'text') {
      // A description field takes any sentence: only a message that is nothing but an address is not one,
      // or a short yes or no with what it answers ("yes, lots of guests": whether others use the IP).
      const target = this.onlyFieldOfType(state, later, bareValueType(text));
      if (target) found[target] = text.trim();
      else if (polarity(text).answer && (text.match(/\S+/g) ?? []).length <= 8) {
        const defs = new Map(later.map((n) => [n, this.rules.field(state.flowId, n)]).filter((e): e is [string, FieldDef] => e[1] !== undefined));
        Object.assign(found, extractSlots(defs, text));
      }
    } else {
      const defs = new Map(later.map((n) => [n, this.rules.field(state.flowId, n)]).filter((e): e is [string, FieldDef] => e[1] !== undefined));
      Object.assign(found, extractSlots(defs, text));
      const target = this.onlyFieldOfType(state, later, bareValueType(text));
      if (target && !(target in found)) found[target] = text.trim();
    }
    let noted = false;
    for (const [name, value] of Object.entries(found)) {
      const def = this.rules.field(state.flowId, name);
      const check = def ? checkField(def, { text: value }, this.m) : undefined;
      if (check?.ok) { this.note(state, name, check.value, check.attachment); noted = true; }
    }
    if (!noted) return undefined;
    await this.tellNoted(dc, state);
    await dc.repromptDialog();
    return { status: DialogTurnStatus.waiting };
  }

  /** The one field of these with this type (two screenshots: which one is unknown, so none). */
  private onlyFieldOfType(state: FlowState, names: string[], type: string | undefined): string | undefined {
    const matching = type ? names.filter((n) => this.rules.field(state.flowId, n)?.type === type) : [];
    return matching.length === 1 ? matching[0] : undefined;
  }

  /** The fields this run may still ask for: its tree's questions and tickets, not yet answered. */
  private laterFields(state: FlowState): string[] {
    const flow = this.rules.flows.get(state.flowId);
    const names = new Set<string>();
    for (const s of Object.values(flow?.steps ?? {})) {
      if (s.type === 'ask') names.add(s.field);
      if (s.type === 'ticket') this.ticketFields(s).forEach((n) => names.add(n));
    }
    return [...names].filter((n) => state.fields[n] === undefined);
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
    const state = dc.activeDialog?.state as FlowState | undefined;
    await this.tellNoted(dc, state);
    // The tree's end, for the lead's view. One that closes with its own words ("Great, glad that worked!")
    // is where the rating is asked (MainDialog); one that asks "anything else?" waits for thanks or bye.
    await recordEvent(this.services, dc.context, { kind: 'ended', ...(state ? { intent: state.intent } : {}) });
    if (text) (await readMemory(this.services.memory, dc.context)).flowEnded = true;
    // A second problem from the first message comes next (MainDialog takes it up): no "anything else?".
    const next = (await readMemory(this.services.memory, dc.context)).nextTopic;
    if (text || !next) await dc.context.sendActivity(text ?? this.m.say('anything_else'));
    return dc.endDialog();
  }

  /** A choice or yes/no question (the prompt understands free answers and gives up after a few misses). */
  /** Whether this step opens a ticket, directly or after what it says. */
  private leadsToTicket(flowId: string, stepId: string | undefined): boolean {
    const steps = this.rules.flows.get(flowId)?.steps;
    for (let id = stepId, hops = 0; id && hops < 5; hops++) {
      const step = steps?.[id];
      if (!step) return false;
      if (step.type === 'ticket') return true;
      if (step.type !== 'say' && step.type !== 'answer') return false;
      id = step.next;
    }
    return false;
  }

  private ask(dc: DialogContext, prompt: string, labels: string[] | ChoiceOption[], yesNo: boolean, phrasings: Pick<ChoiceSpec, 'yesWhen' | 'noWhen' | 'ticket'> = {}): Promise<DialogTurnResult> {
    const options = labels.map((l) => (typeof l === 'string' ? { label: l, synonyms: [] } : l));
    const spec: ChoiceSpec = { prompt, options, yesNo, maxFailures: this.rules.escalation.field_retries, ...phrasings };
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
          if (answer) {
            await dc.context.sendActivity(answer.text);
            await recordEvent(this.services, dc.context, { kind: 'answered', intent: state.intent, detail: step.article });
          }
          const memory = await readMemory(this.services.memory, dc.context);
          memory.lastTopic = state.intent;
          memory.lastArticle = step.article;
          memory.lastAsked = state.text.slice(0, 500);
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
        case 'choice': {
          // "I bought a yoga course from Jane's studio" already says who from: not asked again.
          const said = this.rules.flows.get(state.flowId)?.entry[state.intent] === state.stepId ? optionSaid(step.options, state.text, ['kartra', ...this.rules.kartraPhrases]) : undefined;
          if (said) { state.stepId = said.next; continue; }
          state.pending = { kind: 'choice' };
          await recordEvent(this.services, dc.context, { kind: 'question', intent: state.intent, detail: `${state.flowId}.${state.stepId}` });
          const ticket = step.options.findIndex((o) => this.leadsToTicket(state.flowId, o.next));
          return this.ask(dc, step.prompt, step.options.map((o) => ({ label: o.label, synonyms: o.synonyms, describes: o.describes })), false,
            ticket >= 0 ? { ticket } : {});
        }
        case 'confirm':
          state.pending = { kind: 'confirm' };
          await recordEvent(this.services, dc.context, { kind: 'question', intent: state.intent, detail: `${state.flowId}.${state.stepId}` });
          const ticket = [step.yes, step.no].findIndex((next) => this.leadsToTicket(state.flowId, next));
          return this.ask(dc, step.prompt, [{ label: 'Yes', synonyms: [] }, { label: 'No', synonyms: [] }], true,
            { yesWhen: step.yes_when, noWhen: step.no_when, ...(ticket >= 0 ? { ticket } : {}) });
        case 'ticket': {
          const open = step.reuse_open ? await this.services.tickets.openFor(dc.context.activity.conversation.id) : undefined;
          if (open) {
            state.ticket = open.reference;
            await this.services.tickets.update(open.reference, { transcript: await this.services.transcripts.list(open.conversationId) });
            await dc.context.sendActivity(this.m.say('ticket_added', { reference: open.reference }));
            if (state.intent === 'handoff.human') await this.services.handoff.noteTicket(open.conversationId, open.reference, state.fields);
            if (!step.next) return dc.endDialog();
            state.stepId = step.next;
            continue;
          }
          // Everything already said is taken first, and said in one message; then the rest is asked.
          const fields = this.ticketFields(step);
          for (const name of fields) if (state.fields[name] === undefined) await this.prefill(dc, state, name);
          const missing = fields.find((name) => state.fields[name] === undefined);
          if (missing) return this.askField(dc, state, missing, false);
          return step.confirm ? this.summarise(dc, state) : this.openTicket(dc, state);
        }
        case 'escalate':
          return this.escalate(dc, state, step.reason);
        case 'handoff': {
          const memory = await readMemory(this.services.memory, dc.context);
          memory.withPerson = true;
          // The person takes the whole conversation, the second problem included.
          delete memory.nextTopic;
          await recordEvent(this.services, dc.context, { kind: 'handoff', intent: state.from ?? state.intent, detail: state.reason ?? 'user_request' });
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
    // What a value says about fields already answered follows it: a domain corrected from shop.x.com to
    // www.x.com is a primary domain now, not a subdomain.
    for (const [other, derived] of Object.entries(extractSlots(this.rules.allFields(), value))) {
      if (other !== name && state.fields[other] !== undefined && this.rules.field(state.flowId, other)?.type === 'choice') state.fields[other] = derived;
    }
  }

  /**
   * Uses a value the customer volunteered in any message ("I'm at home, no VPN") instead of asking, once
   * the field's own validator takes it, and says so: it shows at the summary and can be corrected.
   */
  private async prefill(dc: DialogContext, state: FlowState, name: string): Promise<boolean> {
    const def = this.rules.field(state.flowId, name);
    if (!def) return false;
    // A description: what the last yes/no answer said besides "no", or the message that raised the problem.
    const described = def.type === 'text' ? state.said ?? (def.first_message ? this.problemStatement(state) : undefined) : undefined;
    const said = (await readMemory(this.services.memory, dc.context)).slots[name] ?? described;
    if (said === undefined) return false;
    const check = checkField(def, { text: said }, this.m);
    if (!check.ok) return false;
    if (said === state.said) delete state.said;
    this.note(state, name, check.value);
    return true;
  }

  private note(state: FlowState, name: string, value: string, attachment?: AttachmentRef | Omit<AttachmentRef, 'field'>): void {
    this.setField(state, name, value, attachment);
    const label = this.rules.field(state.flowId, name)?.label ?? name;
    state.noted = [...(state.noted ?? []), `${label}: ${escapeMarkdown(value)}`];
  }

  /** The message that raised the problem, when it says more than the topic ("I was charged twice this month"). */
  private problemStatement(state: FlowState): string | undefined {
    // "Can you open a ticket for me, my funnel pages load slowly": the problem is the rest.
    const text = besidesTicketRequest((state.problem ?? state.text).trim())?.trim() ?? '';
    const asked = text !== (state.problem ?? state.text).trim();
    const recognizer = this.services.recognizer;
    if ((text.match(/\p{L}{2,}/gu) ?? []).length < 5 || recognizer.control(text) || recognizer.pattern(text) === 'handoff.human') return undefined;
    // "How do I contact support?" asks something; it doesn't say what is wrong.
    if (/\?\s*$|^(?:how|what|where|when|which|who|can|could|do|does|is|are)\b/i.test(text)) return undefined;
    if (Object.values(this.rules.intents).some((i) => i.label.toLowerCase() === text.toLowerCase())) return undefined;
    // It must name a problem the bot knows of (anger at "your support" alone is not a description), and,
    // in a topic's own tree, that topic's: "hide my username" is no description of a domain problem.
    const about = recognizer.classify(text).intent;
    if (asked && state.intent === 'support.contact') return text;
    if (about === 'none' || about === 'support.contact' || about === 'handoff.human') return undefined;
    return state.intent === 'handoff.human' || this.rules.intents[about].tree === state.flowId ? text : undefined;
  }

  /** The values taken from what the customer said, in one message, before the next question. */
  private async tellNoted(dc: DialogContext, state: FlowState | undefined): Promise<void> {
    if (!state?.noted?.length) return;
    await dc.context.sendActivity(this.m.say('prefilled', { values: state.noted.join(' · ') }));
    delete state.noted;
  }

  private async askField(dc: DialogContext, state: FlowState, name: string, correcting: boolean, resume = false): Promise<DialogTurnResult> {
    await this.tellNoted(dc, state);
    const def = this.rules.field(state.flowId, name);
    if (!def) throw new Error(`Unknown field ${name} in flow ${state.flowId}`);
    // An email the bot knows for this customer (the account email of their last ticket, else the Teams
    // profile's): offered, never assumed to be the Kartra account's.
    const memory = def.type === 'email' && !correcting && !state.profileDeclined ? await readMemory(this.services.memory, dc.context) : undefined;
    const known = memory?.lastEmail || memory?.profileEmail;
    if (known) {
      state.pending = { kind: 'profile_email', field: name, email: known };
      const offer = memory?.lastEmail ? 'returning_email_offer' : 'profile_email_offer';
      return this.ask(dc, this.m.say(offer, { email: escapeMarkdown(known) }), [{ label: 'Yes', synonyms: [] }, { label: 'No', synonyms: [] }], true);
    }
    state.pending = { kind: 'field', field: name, correcting, ...(resume ? { resume: true } : {}) };
    await recordEvent(this.services, dc.context, { kind: 'question', intent: state.intent, detail: `${state.flowId}.${name}` });
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

  /**
   * The department that handles the topic: a hand-off's ticket goes where every ticket of the topic's
   * own tree would ("account not active" → Billing); when they differ, the hand-off step's own.
   */
  private department(state: FlowState, step: Extract<Step, { type: 'ticket' }>): string {
    if (state.intent !== 'handoff.human' || !state.from || state.from === 'none' || state.from === 'handoff.human') return step.department;
    const flow = this.rules.flows.get(this.rules.intents[state.from].tree);
    const seen = new Set<string>();
    const departments = new Set<string>();
    const visit = (id: string | undefined): void => {
      const s = id && !seen.has(id) ? flow?.steps[id] : undefined;
      if (!s || !id) return;
      seen.add(id);
      if (s.type === 'ticket') departments.add(s.department);
      if (s.type === 'choice') s.options.forEach((o) => visit(o.next));
      else if (s.type === 'confirm') { visit(s.yes); visit(s.no); }
      else if ('next' in s) visit(s.next);
    };
    visit(flow?.entry[state.from]);
    return departments.size === 1 ? [...departments][0] ?? step.department : step.department;
  }

  private summarySpec(state: FlowState): SummarySpec {
    const step = this.step(state);
    if (step.type !== 'ticket') throw new Error(`Step ${state.stepId} is not a ticket step`);
    const rows = this.ticketFields(step).map((name) => {
      const def = this.rules.field(state.flowId, name);
      return { name, label: def?.label ?? name, value: state.fields[name] ?? '', aliases: def?.aliases ?? [] };
    });
    return { subject: this.subject(state, step), department: this.department(state, step), rows, run: state.runId, ...(state.lead ? { lead: state.lead } : {}) };
  }

  private async summarise(dc: DialogContext, state: FlowState): Promise<DialogTurnResult> {
    await this.tellNoted(dc, state);
    const spec = this.summarySpec(state);
    delete state.lead;
    state.pending = { kind: 'summary' };
    await recordEvent(this.services, dc.context, { kind: 'question', intent: state.intent, detail: `${state.flowId}.summary` });
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
        return this.ask(dc, this.m.say('summary_no'), [this.m.say('summary_open'), this.m.say('summary_correct'), this.m.say('summary_cancel')], false);
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

  /** A ticket form left before it was sent, to come back to; undefined when the tree is not at a ticket. */
  draftIfTicket(state: FlowState): Draft | undefined {
    return this.rules.flows.get(state.flowId)?.steps[state.stepId]?.type === 'ticket' && state.intent !== 'handoff.human' ? FlowDialog.draftOf(state) : undefined;
  }

  static draftOf(state: FlowState): Draft {
    return {
      intent: state.intent, step: state.stepId, fields: state.fields, attachments: state.attachments, runId: state.runId,
      ...(state.from ? { from: state.from } : {}), ...(state.reason ? { reason: state.reason } : {}),
    };
  }

  /** Stopped at a question it could not take: a ticket's answers so far are kept ("open the ticket" brings them back). */
  private async stopKeeping(dc: DialogContext, state: FlowState): Promise<DialogTurnResult> {
    const draft = this.draftIfTicket(state);
    if (draft && Object.keys(draft.fields).length) {
      const memory = await readMemory(this.services.memory, dc.context);
      memory.draft = draft;
      memory.slots = { ...memory.slots, ...state.fields };
      await dc.context.sendActivity(this.m.say('cancelled_form'));
    } else {
      await dc.context.sendActivity(this.m.say('stopped'));
    }
    return dc.endDialog();
  }

  /** Nothing is opened, and the answers are kept: "actually, open it" brings the summary back. */
  private async cancelTicket(dc: DialogContext, state: FlowState): Promise<DialogTurnResult> {
    const memory = await readMemory(this.services.memory, dc.context);
    memory.draft = FlowDialog.draftOf(state);
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
      department: this.department(state, step), subject: this.subject(state, step), intent: state.from ?? state.intent,
      channel: a.channelId, conversationId: a.conversation.id, userId: a.from.id,
      ...(note ? { note } : {}), fields: this.inTicketOrder(step, state.fields), attachments: await Promise.all(state.attachments.map((att) => this.withFileId(att))),
      transcript: await this.services.transcripts.list(a.conversation.id),
    });
    state.ticket = ticket.reference;
    await recordEvent(this.services, dc.context, { kind: 'ticket', intent: state.from ?? state.intent, detail: ticket.department });
    const memory = await readMemory(this.services.memory, dc.context);
    delete memory.draft;
    memory.lastTicket = ticket.reference;
    memory.lastTicketIntent = state.from ?? state.intent;
    memory.ticketJustOpened = true;
    // Next time (a new conversation in this browser, or in Teams) this email is offered, not assumed.
    const email = ticket.fields.account_email;
    if (isEmailAddress(email)) await rememberEmail(this.services.customer, dc.context, email);
    if (state.intent === 'handoff.human') await this.services.handoff.noteTicket(a.conversation.id, ticket.reference, state.fields);
    await dc.context.sendActivity(this.m.say('ticket_opened', {
      reference: ticket.reference, department: ticket.department, account_email: escapeMarkdown(state.fields.account_email ?? 'you'),
    }));
    if (step.next) { state.stepId = step.next; return this.run(dc, state); }
    return dc.endDialog();
  }

  /** The fields in the order the help text lists them (the ticket step's), whatever order they were given in. */
  private inTicketOrder(step: Extract<Step, { type: 'ticket' }>, fields: Record<string, string>): Record<string, string> {
    const listed = this.ticketFields(step).filter((name) => fields[name] !== undefined);
    return Object.fromEntries([...listed.map((name) => [name, fields[name] ?? '']), ...Object.entries(fields).filter(([name]) => !listed.includes(name))]);
  }

  /** A screenshot uploaded to this bot is kept with the ticket by id, not only as a link that may expire. */
  private async withFileId(att: AttachmentRef): Promise<AttachmentRef> {
    const fileId = att.fileId ?? await this.services.files.idFromUrl(att.url);
    return fileId ? { ...att, fileId } : att;
  }

  /** A question the customer could not answer after a few tries: a person, or stop. */
  private gaveUp(dc: DialogContext, state: FlowState): Promise<DialogTurnResult> {
    state.pending = { kind: 'gave_up', reason: 'choice_retries' };
    return this.ask(dc, this.m.say('choice_give_up'), [this.m.say('talk_to_person'), this.m.say('stop')], false);
  }

  /** "no, that's all", "nope, I'm good": a no that also closes the conversation (a bare "no" does not). */
  private saysDone(text: string): boolean {
    if (this.services.recognizer.control(text) === 'done') return !/^\W*(?:no|nope|nah)\W*$/i.test(text);
    return DONE_SAID.test(text) && polarity(text).answer !== 'yes';
  }

  private async escalate(dc: DialogContext, state: FlowState, reason: string, stuckOn?: string): Promise<DialogTurnResult> {
    return dc.replaceDialog(FLOW_DIALOG, {
      intent: 'handoff.human', text: state.text,
      carried: { fields: state.fields, attachments: state.attachments, from: state.from ?? state.intent, reason, problem: state.problem ?? state.text, ...(stuckOn ? { stuckOn } : {}) },
    } satisfies FlowOptions);
  }
}
