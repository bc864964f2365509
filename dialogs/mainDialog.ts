import { ActivityTypes, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import {
  ComponentDialog, DialogSet, DialogTurnStatus, WaterfallDialog,
  type DialogContext, type DialogState, type DialogTurnResult, type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { quoteFor } from '../knowledge/quote';
import { answerText } from '../knowledge';
import { foreignLanguage } from '../knowledge/language';
import { isStronglyNegative } from '../knowledge/sentiment';
import type { ControlId, RoutableIntent } from '../rules/schema';
import { ChoiceStepPrompt, ON_TOPIC_QUESTION, namedOption, recogniseOption, type ChoiceResult, type ChoiceSpec } from './choicePrompt';
import { checkField } from './fieldValidators';
import { FieldPrompt } from './fieldPrompt';
import { CHOICE_PROMPT, FIELD_PROMPT, FLOW_DIALOG, FlowDialog, mentions, SUMMARY_PROMPT, type FlowOptions } from './flowDialog';
import { clauses } from './clauses';
import { Satisfaction } from './csat';
import { asksTicketStatus, TICKET_STATUS, ticketStatusDialog } from './ticketStatus';
import { readMemory, type Memory } from './memory';
import { escapeMarkdown, THANKS_EMOJI, withChoices } from './messages';
import { recordEvent, type TriageServices } from './services';
import { recogniseSummary, summaryButton, summaryRun, SummaryPrompt } from './summary';

export const MAIN_DIALOG = 'main';
const ROUTE = 'route';
const OFFER_MID_FLOW = 'offerMidFlow';

type Stage = { kind: 'clarify'; guesses: RoutableIntent[] } | { kind: 'offer'; reason: string } | { kind: 'flow' };
interface RouteValues { stage?: Stage; text?: string }
const vals = (step: WaterfallStepContext) => step.values as RouteValues;

/** A question rather than an answer: asked back at a field, it gets the field's help, not a refusal. */
const QUESTION = /\?\s*$|^(what|which|how|where|when|why|who|can|could|do|does|is|are|will|should|may)\b/i;
const LEADING_ANSWER = /^\W*(?:yes|yeah|yep|yup|yea|no|nope|nah|sure|ok|okay|please|correct|right|exactly|definitely|absolutely|not\s+really|of\s+course)\b/i;
/** A problem said without what it is about. */
const VAGUE = /^(?:(?:hi|hello|hey|so|um+|ok(?:ay)?|please|help|kartra)\W*)*(?:it|this|that|everything|nothing|the\s+thing|my\s+account|kartra|the\s+site)?\s*(?:does\s*n.?t|doesnt|is\s*n.?t|isnt|won.?t|wont|is\s+not|does\s+not|stopped|not)\s+(?:work\w*|load\w*|going|function\w*)(?:\s+(?:anymore|again|at\s+all|now|today|properly))*\W*(?:help\W*)?$|^(?:(?:hi|hello|hey)\W*)*(?:i\s+(?:have|got|need\s+help\s+with)\s+)?(?:a|an|some)\s+(?:problem|issue|error|question)s?(?:\s+with\s+(?:kartra|my\s+account|it))?\W*$|^(?:(?:hi|hello|hey)\W*)*(?:it.?s\s+)?(?:broken|not\s+working|error)\W*$/i;
/** Leaving the problem at hand for another ("actually forget the domain", "that's more urgent", "different issue"). */
const SWITCH = /\b(?:forget|never\s*mind|nvm|instead|more\s+urgent|more\s+important|different\s+(?:issue|problem|question|thing)|another\s+(?:issue|problem|question|thing)|other\s+(?:issue|problem|thing)|something\s+else|first)\b/i;
/** A question about the question being asked ("where do I find that?", "what do you mean?"). */
const ABOUT_THE_QUESTION = /\b(?:where|how)\s+(?:do|can|would|should)\s+i\s+(?:find|get|see|check|look|know)\b|\bwhat\s+(?:is|are|does|do you mean|'?s)\b|\bwhat'?s\s+(?:a|an|that|this|my)\b|\bwhy\s+do\s+you\s+need\b|\bwhat'?s\s+(?:the|it|that|this)\b.{0,40}\bfor\b|\bwhat\s+(?:is|are)\b.{0,40}\bfor\b|\b(?:don'?t|do not)\s+(?:know|understand)\s+(?:what|where|how)\b|\bwhich\s+one\b|\bmeaning\b|\bhuh\b/i;
/** "I told you already": the customer thinks they gave this before. */
const TOLD_YOU = /\b(?:i\s+(?:already\s+)?(?:told|said|gave|mentioned|wrote|sent|answered)(?:\s+(?:you|that|it))?\s+(?:already|before|earlier|above)|i\s+already\s+(?:told|said|gave|mentioned|wrote|answered)|(?:already|just)\s+(?:told|said|gave|answered)\s+(?:you|that|it)|told\s+you\s+(?:already|before|that)|^(?:but\s+|um+\s+|well\s+)?i\s+(?:already\s+|just\s+)?told\s+you)\b/i;
/** The problem went away, said in a sentence: "the block is gone now", "it just started working again". */
const RESOLVED_SAID = /\b(?:(?:it|that|everything|the\s+(?:block|problem|issue|error|login|page|domain|site))\s+(?:is\s+|'s\s+|has\s+)?(?:gone|fixed|sorted|solved|resolved)|(?:started|is|'s)\s+working\s+(?:again|now)|works\s+(?:again|now)|all\s+sorted|sorted\s+now|found\s+it|(?:i'?m|i\s+am)\s+(?:back\s+)?in\s+now)\b/i;
/** The customer no longer wants the form: "never mind, I'll do it later", "no ticket needed". */
const WITHDRAWN_SAID = /^\W*(?:(?:hmm+|oh|ok(?:ay)?|actually|wait|sorry|ugh|thanks)\W+)*(?:never\s*mind|nvm|forget\s+(?:it|this|that))\b|\b(?:i'?ll|i\s+will)\s+(?:do|try|finish|deal\s+with)\s+(?:it\s+|this\s+|that\s+)?(?:again\s+)?(?:later|tomorrow|another\s+time)\b|\bno\s+ticket\s+needed\b|\b(?:don'?t|do\s+not)\s+need\s+(?:a|the)\s+ticket\b|\bthat\s+covers\s+it\b/i;
/** How leaving a form starts, at a description (where anything else is the description). */
const LEAVING_LEAD = /^\W*(?:(?:hmm+|oh|ok(?:ay)?|actually|wait|sorry|ugh|thanks|cheers)\W+)*(?:never\s*mind|nvm|forget\s+(?:it|this|that)|no\s+need|(?:it|that)(?:'s|\s+is)\s+(?:fine|ok(?:ay)?)\s+now|all\s+good)\b/i;
/** A question about where the ticket being filled in goes. */
const WHICH_TEAM = /\b(?:which|what)\s+(?:department|team)\b|\bgo(?:ing|es)?\s+to\s+(?:billing|support|sales)\b|\b(?:billing|support)\s+or\s+(?:billing|support)\b|\bwho\s+(?:will\s+)?(?:see|read|get|handle|answer)s?\s+(?:this|it|my\s+(?:ticket|request))\b|\bwhere\s+(?:does|will|is)\s+(?:this|it|my\s+ticket)\s+(?:go|going|sent)\b/i;
/** Controls that end a request: where the rating is asked. */
const ENDINGS = new Set<string>(['thanks', 'bye', 'done', 'resolved']);
/** Agreeing to be asked, not an answer: "ok", "sure", "yes please". */
/** "Hello? anyone there?", "how long will it take?": about the chat itself, not an answer. */
const STILL_THERE = /^(?:(?:hi|hello|hey|um+|so|ok(?:ay)?)\W*)*(?:(?:is\s+)?any(?:one|body)\s+(?:there|here|around|online)|(?:are\s+you|is\s+(?:someone|somebody))\s+(?:still\s+)?(?:there|here|around)|how\s+long\s+(?:will|does|is|do)\b.*|when\s+will\s+(?:someone|somebody|a\s+person|an\s+agent|they|you)\b.*|(?:am\s+i\s+)?still\s+waiting|hello|hi|hey)\W*$/i;
const ACKNOWLEDGEMENT = /^(?:ok(?:ay)?|k|sure|yes|yeah|yep|yup|alright|all right|fine|go ahead|of course|no problem|np|cool|great|got it)(?:[\s,]+(?:please|thanks|thank you|sure|ok|go ahead|no problem))*[\s.!]*$/i;
/** A follow-up to the topic just answered ("and on Starter?", "how do I change it?", "are they Kartra employees?"). */
const FOLLOW_UP = /^(?:and|also|but|so|ok(?:ay)?|what about|how about|what if|is it|is that|are they|are those|do they|does it|can i|could i|how do i|where do i|and (?:on|for|with|in|the))\b|\b(?:it|they|them|those|that|this|these)\b|\b(?:though|anyway|then|anymore|instead)\W*$/i;

/**
 * Routes each new message (commands, a person asked for, frustration, another language, a follow-up to
 * the last answer, then the classifier, with a clarifying question when unsure) and, while a tree runs,
 * handles what may come at any point: commands, a person, frustration, a question about the question
 * asked, "I told you already", and questions about something else (answered, then the tree resumes).
 */
export class MainDialog extends ComponentDialog {
  private readonly flow: FlowDialog;
  private readonly csat: Satisfaction;

  constructor(private readonly services: TriageServices) {
    super(MAIN_DIALOG);
    const messages = () => this.services.brain.rules.messages;
    this.flow = new FlowDialog(services);
    this.csat = new Satisfaction(services);
    this.addDialog(this.flow)
      .addDialog(new FieldPrompt(FIELD_PROMPT, messages))
      .addDialog(new ChoiceStepPrompt(CHOICE_PROMPT, messages))
      .addDialog(new SummaryPrompt(SUMMARY_PROMPT, messages))
      .addDialog(new WaterfallDialog(ROUTE, [this.routeStep.bind(this), this.afterPromptStep.bind(this), this.nextTopicStep.bind(this)]))
      .addDialog(new WaterfallDialog(OFFER_MID_FLOW, [this.offerStep.bind(this), this.afterOfferStep.bind(this)]))
      .addDialog(ticketStatusDialog(services, { fieldPrompt: FIELD_PROMPT, route: ROUTE }));
    this.initialDialogId = ROUTE;
  }

  private get brain() { return this.services.brain; }
  private get m() { return this.services.brain.rules.messages; }

  async run(context: TurnContext, accessor: StatePropertyAccessor<DialogState>): Promise<void> {
    const set = new DialogSet(accessor);
    set.add(this);
    const dc = await set.createContext(context);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog(this.id);
  }

  topicsMessage(text: string) {
    const { topics, intents } = this.brain.rules;
    return withChoices(text, topics.map((t) => intents[t].label));
  }

  greeting() {
    return this.topicsMessage(this.m.say('greeting'));
  }

  greetingForGroups() {
    const { topics, intents } = this.brain.rules;
    return this.m.say('greeting_group', { topics: topics.map((t) => `“${intents[t].label}”`).join(', ') });
  }

  private offer(step: WaterfallStepContext | DialogContext, prompt: string, labels: string[], synonyms: string[][] = []): Promise<DialogTurnResult> {
    const spec: ChoiceSpec = { prompt, options: labels.map((label, i) => ({ label, synonyms: synonyms[i] ?? [] })), yesNo: false, maxFailures: 1 };
    return step.prompt(CHOICE_PROMPT, { validations: spec });
  }

  // ---- routing a new message ----------------------------------------------------------------------------

  private async routeStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const a = step.context.activity;
    // Routed again with what the customer wrote first (they chose to keep going with the assistant).
    const again = step.options as { text?: string; nextTopic?: boolean } | undefined;
    const text = (again?.text ?? a.text ?? '').trim();
    const memory = await readMemory(this.services.memory, step.context);
    if (!text) {
      await step.context.sendActivity(a.value !== undefined ? this.m.say('stale_form') : this.topicsMessage(this.m.say('only_text')));
      return step.endDialog();
    }
    const recognizer = this.services.recognizer;
    // The answer to "how did I do?" (a rating, then an optional comment); anything else is routed as usual.
    if (memory.csat) {
      const r = recognizer.classify(text);
      const { clarify_below, digression_above } = this.brain.rules.escalation.classifier;
      const command = Boolean(recognizer.control(text)) || recognizer.pattern(text) === 'handoff.human' || asksTicketStatus(text, Boolean(memory.lastTicket)) !== undefined;
      const request = command ? 'command' : r.source === 'pattern' || r.confidence >= digression_above ? 'sure' : r.intent !== 'none' && r.confidence >= clarify_below ? 'maybe' : 'no';
      if (await this.csat.take(step.context, memory, text, request, r.intent)) return step.endDialog();
    }
    // "?", "👍": no words to route. A thumbs-up after an answer is an "ok"; else the topics, never a miss.
    if (!/[\p{L}\p{N}]/u.test(text) && !(await this.services.handoff.waitingFor(a.conversation.id))) {
      if (memory.lastTopic && THANKS_EMOJI.test(text)) {
        // A thumbs-up after an answer is a thank-you: the end, where the rating is asked.
        if (this.csat.canAsk(memory)) {
          await this.closingWords(step.context, 'thanks');
          await this.csat.ask(step.context, memory);
        } else {
          await this.answerControl(step.context, 'thanks', false);
        }
      } else {
        await step.context.sendActivity(this.topicsMessage(this.m.say('help')));
      }
      return step.endDialog();
    }
    const control = recognizer.control(text);
    // "What's happening with KT-WPSPB5?", "is my ticket still open?", however it is put (and however cross),
    // also while waiting for a person.
    const status = control ? undefined : asksTicketStatus(text, Boolean(memory.lastTicket));
    if (status) return step.beginDialog(TICKET_STATUS, status);
    const waiting = await this.services.handoff.waitingFor(a.conversation.id);
    if (control === 'reopen' && memory.draft) return this.reopen(step, memory);
    if (control && control !== 'reopen') {
      // "That's not what I asked": the message the last answer took the wrong way is one to teach the bot
      // with (the review inbox), and the next message is not read as a follow-up of that answer.
      if (control === 'unhelpful' && memory.lastAsked) {
        await recordEvent(this.services, step.context, { kind: 'rerouted', ...(memory.lastTopic ? { intent: memory.lastTopic } : {}), text: memory.lastAsked });
        delete memory.lastArticle;
        delete memory.lastAsked;
      }
      if (control === 'cancel' && waiting) {
        await this.services.handoff.leaveQueue(step.context, waiting);
        return step.endDialog();
      }
      // "ok thanks" while in line for a person: not "anything else?", the line.
      if (waiting && (control === 'thanks' || control === 'ack')) {
        await step.context.sendActivity(this.m.say('thanks_waiting'));
        return step.endDialog();
      }
      // Thanks, bye or "that solved it" after an answer or a ticket: the end, where the rating is asked (and
      // then the only question: not "anything else?" as well).
      if (ENDINGS.has(control) && this.csat.canAsk(memory)) {
        await this.closingWords(step.context, control);
        await this.csat.ask(step.context, memory);
      } else {
        await this.answerControl(step.context, control, false);
      }
      return step.endDialog();
    }
    if (waiting) {
      await step.context.sendActivity(this.m.say(recognizer.pattern(text) === 'handoff.human' ? 'handoff_already_waiting' : 'handoff_waiting_ack'));
      return step.endDialog();
    }
    if (recognizer.pattern(text) === 'handoff.human') return this.startFlow(step, 'handoff.human', text);
    if (!again?.text && this.frustrated(text)) return this.offerPerson(step, this.m.say('frustrated_offer'), 'negative_sentiment', this.m.say('keep_going'));

    const byLabel = this.intentByLabel(text);
    if (byLabel) return this.startFlow(step, byLabel, text);
    const r = recognizer.classify(text);
    const language = r.intent === 'none' || r.coverage < 0.6 ? foreignLanguage(text, r.coverage) : undefined;
    // "English is fine", "in English please": the second option.
    if (language) return this.offerPerson(step, this.m.notEnglish(language), 'user_request', this.m.say('continue_in_english'), ['english']);

    // A second problem of the first message is a topic of its own, not a follow-up to the first one's answer.
    const followUp = again?.nextTopic ? undefined : this.followUp(text, memory, r);
    if (followUp) {
      await step.context.sendActivity(followUp);
      await recordEvent(this.services, step.context, { kind: 'answered', ...(memory.lastTopic ? { intent: memory.lastTopic } : {}), ...(memory.lastArticle ? { detail: memory.lastArticle } : {}) });
      return step.endDialog();
    }
    // "it doesn't work", "I have a problem": something is wrong, but not what.
    if (r.intent === 'none') return this.miss(step, memory, this.m.say(VAGUE.test(text) ? 'vague_problem' : 'out_of_scope'));
    if (r.confidence < this.brain.rules.escalation.classifier.clarify_below) {
      const guesses = [r.intent, ...r.alternatives.map((x) => x.intent)]
        .filter((i): i is RoutableIntent => i !== 'none').slice(0, this.brain.rules.escalation.classifier.clarify_choices);
      vals(step).stage = { kind: 'clarify', guesses };
      vals(step).text = text;
      await recordEvent(this.services, step.context, { kind: 'clarify', text });
      return this.offer(step, this.m.say('clarify'), [...guesses.map((g) => this.brain.rules.intents[g].label), this.m.say('something_else')]);
    }
    const two = this.twoTopics(text);
    if (!two) return this.startFlow(step, r.intent, text);
    // The first problem is answered from its own words ("what currencies can I use?"), not the second's.
    memory.nextTopic = two.next;
    return this.startFlow(step, two.first, clauses(text).filter((c) => c !== two.next.text).join(' ') || text);
  }

  /**
   * Two problems in one message, each in a part of its own and sure of its topic, in the order they were
   * written; unless the second is part of the first (a seller's customer who can't log in).
   */
  private twoTopics(text: string): { first: RoutableIntent; next: { intent: RoutableIntent; text: string } } | undefined {
    const { intents, partOf, escalation } = this.brain.rules;
    const parts = clauses(text);
    if (parts.length < 2) return undefined;
    const sure = parts.map((part) => ({ part, r: this.services.recognizer.classify(part) }))
      .filter(({ r }) => r.intent !== 'none' && r.intent !== 'handoff.human' && r.confidence >= escalation.classifier.digression_above);
    const first = sure[0]?.r.intent as RoutableIntent | undefined;
    if (!first) return undefined;
    const next = sure.find(({ r }) => intents[r.intent as RoutableIntent].tree !== intents[first].tree);
    if (!next || partOf[first]?.includes(next.r.intent as RoutableIntent)) return undefined;
    return { first, next: { intent: next.r.intent as RoutableIntent, text: next.part } };
  }

  /** A tree ended: the second problem of the message that started it, if there was one. */
  private async nextTopicStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const memory = await readMemory(this.services.memory, step.context);
    const next = memory.nextTopic;
    delete memory.nextTopic;
    const ended = memory.ticketJustOpened || memory.flowEnded;
    delete memory.ticketJustOpened;
    delete memory.flowEnded;
    // A ticket opened, or a tree at its end ("Great, glad that worked!"), and nothing else asked: the end
    // of the request, where the rating is asked.
    if (!next && ended && this.csat.canAsk(memory)) await this.csat.ask(step.context, memory);
    if (!next || memory.withPerson) return step.endDialog(step.result);
    const label = this.labelOf(next.intent);
    await step.context.sendActivity(this.m.say('next_topic', { label }));
    return step.replaceDialog(ROUTE, { text: next.text, nextTopic: true });
  }

  private async afterPromptStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const stage = vals(step).stage;
    const result = step.result as ChoiceResult | undefined;
    if (!stage || stage.kind === 'flow') return step.next(step.result);
    // Not one of the choices: the customer said something new ("actually, my IP is blocked"): route that;
    // after the offer of a person, "just fix it" or "no, just open the ticket" is the problem first written.
    if (!result || result.status === 'gave_up') {
      const original = vals(step).text ?? '';
      const now = this.services.recognizer.classify(step.context.activity.text ?? '').intent;
      const generic = now === 'none' || now === 'support.contact';
      if (stage.kind === 'offer' && original && generic && this.services.recognizer.classify(original).intent !== 'none') {
        return step.replaceDialog(ROUTE, { text: original });
      }
      return step.replaceDialog(ROUTE);
    }
    if (stage.kind === 'clarify') {
      const chosen = stage.guesses[result.index];
      if (chosen) return this.startFlow(step, chosen, vals(step).text ?? '');
      // None of the bot's guesses: a message to teach the bot with (the review inbox).
      await recordEvent(this.services, step.context, { kind: 'rerouted', text: vals(step).text ?? '' });
      await step.context.sendActivity(this.topicsMessage(`${this.m.say('none_of_those')} ${this.m.say('not_understood')}`));
      return step.endDialog();
    }
    if (result.index === 0) return this.handOff(step, stage.reason, vals(step).text ?? '');
    // Keep going with the assistant: with what this answer says is wrong ("ok in english: cancel my
    // subscription"), else what the customer first wrote, when it says what is wrong.
    const said = step.context.activity.text ?? '';
    if ((said.match(/\p{L}{2,}/gu) ?? []).length >= 5 && this.services.recognizer.classify(said).intent !== 'none') {
      await step.context.sendActivity(this.m.say('keep_going_ack'));
      return step.replaceDialog(ROUTE, { text: said });
    }
    const original = vals(step).text ?? '';
    if (stage.reason === 'negative_sentiment' && original && this.services.recognizer.classify(original).intent !== 'none') {
      await step.context.sendActivity(this.m.say('keep_going_ack'));
      return step.replaceDialog(ROUTE, { text: original });
    }
    await step.context.sendActivity(this.topicsMessage(`${this.m.say('keep_going_ack')} ${this.m.say('help')}`));
    return step.endDialog();
  }

  private async startFlow(step: WaterfallStepContext, intent: RoutableIntent, text: string): Promise<DialogTurnResult> {
    const memory = await readMemory(this.services.memory, step.context);
    memory.misses = 0;
    vals(step).stage = { kind: 'flow' };
    return step.beginDialog(FLOW_DIALOG, { intent, text } satisfies FlowOptions);
  }

  /** A cancelled ticket brought back: the same answers, the same run (so the same ticket), at its summary. */
  private async reopen(step: WaterfallStepContext, memory: Memory): Promise<DialogTurnResult> {
    const draft = memory.draft;
    if (!draft) return step.endDialog();
    delete memory.draft;
    vals(step).stage = { kind: 'flow' };
    return step.beginDialog(FLOW_DIALOG, {
      intent: draft.intent as RoutableIntent, step: draft.step, runId: draft.runId, lead: this.m.say('summary_again'),
      carried: {
        fields: draft.fields, attachments: draft.attachments,
        ...(draft.from ? { from: draft.from as RoutableIntent } : {}), ...(draft.reason ? { reason: draft.reason } : {}),
      },
    } satisfies FlowOptions);
  }

  /** Out of scope: the topics; the Nth such message in a row offers a person (never opens a hand-off by itself). */
  private async miss(step: WaterfallStepContext, memory: Memory, lead: string): Promise<DialogTurnResult> {
    memory.misses += 1;
    vals(step).text = step.context.activity.text ?? '';
    await recordEvent(this.services, step.context, { kind: 'out_of_scope', text: vals(step).text });
    if (memory.misses >= this.brain.rules.escalation.misunderstood_in_a_row) {
      memory.misses = 0;
      return this.offerPerson(step, `${lead.replace(/[^.!?]*:$/, '').trim()} ${this.m.say('offer_person_misses')}`.trim(), 'misunderstood', this.m.say('no_thanks'));
    }
    await step.context.sendActivity(this.topicsMessage(lead));
    return step.endDialog();
  }

  private offerPerson(step: WaterfallStepContext, prompt: string, reason: string, otherwise: string, otherwiseSynonyms: string[] = []): Promise<DialogTurnResult> {
    vals(step).stage = { kind: 'offer', reason };
    vals(step).text = step.context.activity.text ?? '';
    return this.offer(step, prompt, [this.m.say('talk_to_person'), otherwise], [[], otherwiseSynonyms]);
  }

  private handOff(dc: DialogContext, reason: string, text: string): Promise<DialogTurnResult> {
    return dc.beginDialog(FLOW_DIALOG, { intent: 'handoff.human', text, carried: { fields: {}, attachments: [], reason } } satisfies FlowOptions);
  }

  /** A strongly negative message (sentiment threshold in rules/escalation.yaml). */
  private frustrated(text: string): boolean {
    return isStronglyNegative(text, this.brain.rules.escalation.negative_sentiment);
  }

  /** A topic as the customer sees it ("My IP address is blocked"). */
  private labelOf(intent: string): string {
    return this.brain.rules.intents[intent as RoutableIntent]?.label ?? intent;
  }

  private intentByLabel(text: string): RoutableIntent | undefined {
    const t = text.trim().toLowerCase();
    const entry = Object.entries(this.brain.rules.intents).find(([, d]) => d.label.toLowerCase() === t);
    return entry?.[0] as RoutableIntent | undefined;
  }

  /**
   * A short follow-up to the topic answered last ("and on Starter?" after webinar limits), answered from
   * that topic when the help text has a direct answer to it, unless the message is plainly about
   * something else.
   */
  private followUp(text: string, memory: Memory, { intent, confidence, source }: { intent: string; confidence: number; source: string }): string | undefined {
    const topic = memory.lastTopic as RoutableIntent | undefined;
    const short = (text.match(/\S+/g) ?? []).length;
    if (!topic || short > 16) return undefined;
    const rules = this.brain.rules;
    const cue = FOLLOW_UP.test(text) || (QUESTION.test(text) && short <= 8);
    const elsewhere = intent !== 'none' && intent !== topic && confidence >= rules.escalation.classifier.clarify_below;
    // Without a follow-up's words ("i checked my email, no invoice"), only a direct answer of the topic, and
    // not when a near-certain phrasing names another.
    if (!cue && (source === 'pattern' && elsewhere)) return undefined;
    const flow = rules.flows.get(rules.intents[topic].tree);
    const entry = flow?.steps[flow.entry[topic] ?? ''];
    const articleId = memory.lastArticle ?? (entry?.type === 'answer' ? entry.article : undefined);
    if (!articleId) return undefined;
    // The topic's own direct answers are specific ("they don't answer my emails" after the seller answer).
    const answer = answerText(this.brain.knowledge, articleId, topic, text);
    if (answer?.direct) return answer.text;
    // "ok and presenters?" after "…on Professional?": the facts, read with the question they follow.
    const withBefore = cue && memory.lastAsked ? answerText(this.brain.knowledge, articleId, topic, `${memory.lastAsked} ${text}`) : undefined;
    if (withBefore?.direct && intent === 'none') return withBefore.text;
    if (!cue || (elsewhere && rules.intents[intent as RoutableIntent]?.tree !== rules.intents[topic]?.tree)) return undefined;
    // "What subject line again?": a detail of the answer just given, said again.
    const article = this.brain.knowledge.articles.get(articleId);
    const quote = article && intent === 'none' ? quoteFor(article.body, text) : undefined;
    return quote ? this.m.say('follow_up_quote', { quote }) : undefined;
  }

  /** What a conversation's end says before the rating question: the same as usual, without asking "anything else?". */
  private async closingWords(context: TurnContext, control: ControlId): Promise<void> {
    const m = this.m;
    if (control === 'thanks') await context.sendActivity(m.say('thanks_mid_flow'));
    else if (control === 'resolved') await context.sendActivity(m.say('resolved_closing'));
    else await this.answerControl(context, control, false);
  }

  private async answerControl(context: TurnContext, control: ControlId, midFlow: boolean): Promise<void> {
    const m = this.m;
    switch (control) {
      case 'greeting': await context.sendActivity(midFlow ? m.say('greeting_mid_flow') : this.greeting()); return;
      case 'thanks': await context.sendActivity(m.say(midFlow ? 'thanks_mid_flow' : 'thanks')); return;
      case 'bye': case 'done': await context.sendActivity(m.say(midFlow ? 'bye_mid_flow' : 'bye')); return;
      case 'ack': await context.sendActivity(m.say('anything_else')); return;
      case 'help': await context.sendActivity(midFlow ? m.say('help_mid_flow') : this.topicsMessage(m.say('help'))); return;
      case 'cancel': await context.sendActivity(m.say(midFlow ? 'cancelled' : 'cancel_nothing')); return;
      case 'restart': await context.sendActivity(this.topicsMessage(m.say('restart'))); return;
      case 'resolved': await context.sendActivity(m.say('resolved')); return;
      case 'reopen': await context.sendActivity(m.say('cancel_nothing')); return;
      case 'bot': await context.sendActivity(m.say('are_you_a_bot')); return;
      case 'unhelpful': await context.sendActivity(midFlow ? m.say('unhelpful_mid_flow') : withChoices(m.say('unhelpful'), [m.say('talk_to_person')]));
    }
  }

  // ---- interruptions while a tree runs ------------------------------------------------------------------

  protected override async onContinueDialog(innerDc: DialogContext): Promise<DialogTurnResult> {
    // The rules were reloaded and the step this conversation was at is gone: said so, and the message is
    // taken as a new one rather than as the answer to a question that no longer exists.
    const flow = FlowDialog.state(innerDc);
    if (flow && !this.brain.rules.flows.get(flow.flowId)?.steps[flow.stepId]) {
      const memory = await readMemory(this.services.memory, innerDc.context);
      memory.slots = { ...memory.slots, ...flow.fields };
      await innerDc.cancelAllDialogs();
      await innerDc.context.sendActivity(this.m.say('flow_changed'));
      return innerDc.beginDialog(ROUTE);
    }
    return (await this.interrupt(innerDc)) ?? super.onContinueDialog(innerDc);
  }

  /** What the active prompt would take as its answer: then a command-like answer is an answer ("No, that's all"). */
  private promptTakes(dc: DialogContext, text: string): boolean {
    const active = dc.activeDialog;
    if (active?.id === CHOICE_PROMPT) return recogniseOption(text, ChoiceStepPrompt.spec(active.state.options)) !== undefined;
    if (active?.id === FIELD_PROMPT) {
      // "no" is the answer to a yes/no question, not "no, that's all"; free text fields still hear commands.
      const def = FieldPrompt.spec(active.state.options).def;
      return (def.type === 'yesno' || def.type === 'choice') && checkField(def, { text }, this.m).ok;
    }
    if (active?.id === SUMMARY_PROMPT) return recogniseSummary(text, (active.state.options.validations as { rows: [] }).rows, this.m) !== undefined;
    return false;
  }

  /**
   * Leaving a form in one's own words, where the question cannot take them as its answer: "never mind, the
   * block is gone now" and "thanks, all sorted now" (resolved), "forget it, I'll do this later" and "hmm
   * actually that covers it, no ticket needed" (withdrawn). At a description, only when it starts so.
   */
  private leavingForm(dc: DialogContext, text: string): 'resolved' | 'cancel' | undefined {
    const open = dc.activeDialog;
    if (open?.id !== FIELD_PROMPT) return undefined;
    const def = FieldPrompt.spec(open.state.options).def;
    if (def.type === 'text' ? !LEAVING_LEAD.test(text) : checkField(def, { text }, this.m).ok) return undefined;
    if (RESOLVED_SAID.test(text)) return 'resolved';
    return WITHDRAWN_SAID.test(text) ? 'cancel' : undefined;
  }

  private namesOption(dc: DialogContext, text: string): boolean {
    const active = dc.activeDialog;
    return active?.id === CHOICE_PROMPT && namedOption(text, ChoiceStepPrompt.spec(active.state.options)) !== undefined;
  }

  private isButton(dc: DialogContext, text: string): boolean {
    const active = dc.activeDialog;
    const t = text.trim().toLowerCase();
    return active?.id === CHOICE_PROMPT && ChoiceStepPrompt.spec(active.state.options).options.some((o) => o.label.toLowerCase() === t);
  }

  private async interrupt(dc: DialogContext): Promise<DialogTurnResult | undefined> {
    const a = dc.context.activity;
    const text = (a.text ?? '').trim();
    // A new message after a prompt of the route itself (clarify, offers) is the route's business.
    if (a.type !== ActivityTypes.Message || !FlowDialog.state(dc)) return undefined;
    const button = summaryButton(a.value);
    if (button) return this.flow.summaryPressed(dc, button, summaryRun(a.value));
    if (!text) return undefined;
    const kept = (await this.flow.keepCorrected(dc, text)) ?? (await this.flow.valueAtRetry(dc, text));
    if (kept) return kept;
    // "Is this going to billing or support?": where the ticket goes, and the question again.
    const department = WHICH_TEAM.test(text) ? this.flow.ticketDepartment(dc) : undefined;
    if (department) {
      await dc.context.sendActivity(this.m.say('ticket_team', { department }));
      await dc.repromptDialog();
      return { status: DialogTurnStatus.waiting };
    }
    const recognizer = this.services.recognizer;
    const flow = FlowDialog.state(dc);
    const wantsPerson = recognizer.pattern(text) === 'handoff.human';
    // A ticket lookup on top of the form hears its own answer (the address), unless a person is asked for.
    if (dc.stack.some((i) => i.id === TICKET_STATUS) && !wantsPerson) return undefined;
    if (!wantsPerson) {
      const corrected = (await this.flow.correctEarlier(dc, text)) ?? (await this.flow.answerOfferedEmail(dc, text));
      if (corrected) return corrected;
    }
    // "What's happening with KT-WPSPB5?" where a choice or a value is asked (not in a description, where a
    // reference is part of what is described): looked up on top of the form, whose question comes back after.
    const describing = dc.activeDialog?.id === FIELD_PROMPT && FieldPrompt.spec(dc.activeDialog.state.options).def.type === 'text';
    const status = !wantsPerson && !describing ? asksTicketStatus(text, false) : undefined;
    if (status) return dc.beginDialog(TICKET_STATUS, status);
    // A question that names an option ("but you're Kartra, can't you check?") is still a question, when the help text answers it.
    // So is a sentence about something else that only reads as a yes or no ("I don't remember which email
    // is on my account" at "Shall I open a ticket?"): one that doesn't start with its answer.
    const statement = (text.match(/\S+/g) ?? []).length >= 6 && !LEADING_ANSWER.test(text);
    if (!wantsPerson && dc.activeDialog?.id === CHOICE_PROMPT && (QUESTION.test(text) || statement) && !this.isButton(dc, text)) {
      const answered = await this.digress(dc, text, flow?.intent, statement);
      if (answered) return answered;
    }
    // "No, it's not my own Kartra account, I'm a student" at "did that get you back in?": a phrasing that is
    // near-certainly another tree's problem is that problem, even where the prompt hears a "no".
    if (!wantsPerson && !this.isButton(dc, text)) {
      const switched = await this.switchTopic(dc, text, true);
      if (switched) return switched;
    }
    const control = recognizer.control(text) ?? this.leavingForm(dc, text);
    // "hmm actually never mind", "no, forget it": the customer withdraws; that is no "no" to the question.
    // An option named by the whole message ("cancel" where cancelling is an option) is still that option.
    const withdraws = control === 'cancel' && dc.activeDialog?.id !== SUMMARY_PROMPT && !this.namesOption(dc, text);
    // A button's label is its button ("Talk to a person" offered after three misses keeps its reason).
    if (!withdraws && (!wantsPerson || this.isButton(dc, text)) && this.promptTakes(dc, text)) return undefined;

    if (control === 'cancel' || control === 'restart' || control === 'resolved') {
      // Answers given so far are not asked again if the customer comes back to it ("open it after all").
      const memory = await readMemory(this.services.memory, dc.context);
      // A problem that went away leaves the second one of the first message to take up.
      const next = control === 'resolved' ? memory.nextTopic : undefined;
      delete memory.nextTopic;
      if (flow && control === 'cancel') {
        memory.slots = { ...memory.slots, ...flow.fields };
        // A ticket form stopped half-way: "I do want the ticket after all" picks it up again.
        const draft = this.flow.draftIfTicket(flow);
        if (draft) memory.draft = draft;
      }
      const waiting = await this.services.handoff.waitingFor(a.conversation.id);
      await dc.cancelAllDialogs();
      if (waiting && control === 'cancel') await this.services.handoff.leaveQueue(dc.context, waiting);
      else if (control === 'cancel' && memory.draft) await dc.context.sendActivity(this.m.say('cancelled_form'));
      else if (next) {
        await dc.context.sendActivity(this.m.say('resolved_closing'));
        await dc.context.sendActivity(this.m.say('next_topic', { label: this.labelOf(next.intent) }));
        return dc.beginDialog(ROUTE, { text: next.text, nextTopic: true });
      }
      // "Oh, that solved it" ends the form: an end, where the rating is asked.
      else if (control === 'resolved' && this.csat.canAsk(memory)) {
        await this.closingWords(dc.context, control);
        await this.csat.ask(dc.context, memory);
      } else await this.answerControl(dc.context, control, true);
      return { status: DialogTurnStatus.complete };
    }
    if (control === 'bye') {
      await this.answerControl(dc.context, control, true);
      return { status: DialogTurnStatus.waiting };
    }
    // "no, that's all" is an answer in the middle of a form: the question hears it.
    if (control && control !== 'reopen' && control !== 'done' && control !== 'ack') {
      await this.answerControl(dc.context, control, true);
      await dc.repromptDialog();
      return { status: DialogTurnStatus.waiting };
    }

    if (wantsPerson) {
      if (flow?.intent === 'handoff.human') {
        await dc.context.sendActivity(this.m.say('handoff_already_waiting'));
        await dc.repromptDialog();
        return { status: DialogTurnStatus.waiting };
      }
      const fields = flow?.fields ?? {};
      const attachments = flow?.attachments ?? [];
      const from = flow?.intent;
      const problem = flow?.problem ?? flow?.text;
      await dc.cancelAllDialogs();
      return dc.beginDialog(FLOW_DIALOG, {
        intent: 'handoff.human', text, carried: { fields, attachments, ...(from ? { from } : {}), ...(problem ? { problem } : {}), reason: 'user_request' },
      } satisfies FlowOptions);
    }
    // At "what is going wrong?", an angry answer is the answer (it goes to the team), not lost to the offer.
    if (!describing && flow?.intent !== 'handoff.human' && this.frustrated(text)) return dc.beginDialog(OFFER_MID_FLOW, { reason: 'negative_sentiment' });
    const switched = await this.switchTopic(dc, text);
    if (switched) return switched;

    const r = recognizer.classify(text);
    const language = r.intent === 'none' || r.coverage < 0.6 ? foreignLanguage(text, r.coverage) : undefined;
    if (language) {
      await dc.context.sendActivity(this.m.notEnglish(language));
      await dc.repromptDialog();
      return { status: DialogTurnStatus.waiting };
    }

    if (dc.activeDialog?.id === FIELD_PROMPT) {
      const handled = (await this.atField(dc, text)) ?? (await this.flow.noteVolunteered(dc, text)) ?? (QUESTION.test(text) ? undefined : await this.flow.addToDescription(dc, text));
      if (handled) return handled;
    }
    if (QUESTION.test(text) || dc.activeDialog?.id === CHOICE_PROMPT || dc.activeDialog?.id === SUMMARY_PROMPT) {
      const answered = await this.digress(dc, text, flow?.intent);
      if (answered) return answered;
    }
    return this.unansweredAtField(dc, text, flow?.intent);
  }

  /**
   * "Actually forget the domain, my card was charged twice, that's more urgent": the customer leaves this
   * tree for another problem. The answers so far are kept for when they come back to it.
   */
  private async switchTopic(dc: DialogContext, text: string, byPattern = false): Promise<DialogTurnResult | undefined> {
    const flow = FlowDialog.state(dc);
    // Only a statement: a question about another topic is answered and the form goes on ("can I email
    // you instead?"); a link or an address is a value, not a problem.
    const words = text.replace(/\b(?:https?:\/\/|www\.)\S+|\S+@\S+/gi, ' ').match(/\p{L}{2,}/gu) ?? [];
    // "Can you do the double charge first? That's more urgent" asks to change the order: a switch; with a
    // second problem waiting from the first message, that one now, and this form after it.
    const reorder = /\b(?:first|more\s+urgent|more\s+important)\b/i.test(text);
    const memory = await readMemory(this.services.memory, dc.context);
    if (flow && reorder && memory.nextTopic && flow.intent !== 'handoff.human' && this.services.recognizer.classify(text).intent !== flow.intent) {
      const later = memory.nextTopic;
      memory.slots = { ...memory.slots, ...flow.fields };
      memory.nextTopic = { intent: flow.intent, text: flow.text.slice(0, 2000) };
      await dc.cancelAllDialogs();
      await dc.context.sendActivity(this.m.say('reordered', { label: this.labelOf(later.intent), after: this.labelOf(flow.intent) }));
      return dc.beginDialog(ROUTE, { text: later.text, nextTopic: true });
    }
    if (!flow || flow.intent === 'handoff.human' || (QUESTION.test(text) && !reorder) || (!byPattern && !SWITCH.test(text)) || words.length < 5) return undefined;
    const field = dc.activeDialog?.id === FIELD_PROMPT ? FieldPrompt.spec(dc.activeDialog.state.options).def : undefined;
    if (field && field.type !== 'text' && checkField(field, { text }, this.m).ok) return undefined;
    // The part that names the other problem: "forget the domain" names this one.
    const { intents, escalation } = this.brain.rules;
    const parts = [text, ...text.split(/[,;.!?]+\s*|\s+-\s+/)].filter((p) => (p.match(/\p{L}{2,}/gu) ?? []).length >= 4);
    const other = parts.map((part) => ({ part, r: this.services.recognizer.classify(part) })).find(({ r }) => r.intent !== 'none' && r.intent !== 'handoff.human' && r.intent !== 'support.contact'
      && (byPattern ? r.source === 'pattern' : r.confidence >= escalation.classifier.clarify_below) && intents[r.intent].tree !== intents[flow.intent].tree
      && !(this.brain.rules.partOf[flow.intent]?.includes(r.intent)));
    if (!other) return undefined;
    memory.slots = { ...memory.slots, ...flow.fields };
    delete memory.nextTopic;
    await dc.cancelAllDialogs();
    await dc.context.sendActivity(this.m.say('switched_topic'));
    return dc.beginDialog(ROUTE, { text: other.part });
  }

  /**
   * A question the help text does not answer, typed where a value is asked, is not a wrong value: it is
   * said so and the question asked again, without counting a miss. At a description, only "anyone
   * there?"-type messages are not the description.
   */
  private async unansweredAtField(dc: DialogContext, text: string, current: RoutableIntent | undefined): Promise<DialogTurnResult | undefined> {
    if (dc.activeDialog?.id !== FIELD_PROMPT) return undefined;
    const def = FieldPrompt.spec(dc.activeDialog.state.options).def;
    let reply: string | undefined;
    if (def.type === 'text') {
      if (STILL_THERE.test(text)) reply = this.m.say(current === 'handoff.human' ? 'handoff_waiting_ack' : 'greeting_mid_flow');
    } else if (QUESTION.test(text) && !checkField(def, { text }, this.m).ok) reply = this.m.say('field_question_unanswered');
    if (!reply) return undefined;
    await dc.context.sendActivity(reply);
    await dc.repromptDialog();
    return { status: DialogTurnStatus.waiting };
  }

  /** At a field: "I told you already", and questions about the question (its help), never taken as the value. */
  private async atField(dc: DialogContext, text: string): Promise<DialogTurnResult | undefined> {
    const spec = FieldPrompt.spec(dc.activeDialog?.state.options);
    if (TOLD_YOU.test(text)) {
      // "I already told you, editing a landing page": the value is in this very message.
      // "ugh i literally just said it. lotusflow": what follows the complaint first, then all but the complaint.
      const lead = /^[\s,.:;!-]*(?:(?:you|it|that|already|before|earlier|above|so|its|it'?s|it\s+is)\b[\s,.:;!-]*)*/i;
      const match = TOLD_YOU.exec(text);
      const after = match ? text.slice(match.index + match[0].length).replace(lead, '').trim() : '';
      const rest = text.replace(TOLD_YOU, ' ').replace(lead, '').trim();
      const tryHere = (t: string) => (/\p{L}{2,}.*\s\S/u.test(t) || (spec.def.type !== 'text' && t) ? checkField(spec.def, { text: t }, this.m) : undefined);
      const afterCheck = after && spec.def.type !== 'text' ? tryHere(after) : undefined;
      const here = afterCheck?.ok ? afterCheck : tryHere(rest);
      if (here?.ok) {
        await dc.context.sendActivity(this.m.say('told_you_here', { label: spec.def.label.toLowerCase(), value: escapeMarkdown(here.value) }));
        return dc.endDialog({ status: 'ok', value: here.value, ...(here.attachment ? { attachment: here.attachment } : {}) });
      }
      const value = await this.alreadySaid(dc, spec.field);
      if (value) {
        await dc.context.sendActivity(this.m.say('told_you_found', { label: spec.def.label.toLowerCase(), value: escapeMarkdown(value) }));
        return dc.endDialog({ status: 'ok', value });
      }
      await dc.context.sendActivity(this.m.say('told_you_missing'));
      await dc.repromptDialog();
      return { status: DialogTurnStatus.waiting };
    }
    const valid = checkField(spec.def, { text }, this.m).ok;
    // "ok", "yes please" to a question that wants a value: the question again, not a miss ("ok" is no username).
    if (ACKNOWLEDGEMENT.test(text) && (!valid || !['yesno', 'choice', 'text'].includes(spec.def.type))) {
      await dc.repromptDialog();
      return { status: DialogTurnStatus.waiting };
    }
    const aboutTheQuestion = ABOUT_THE_QUESTION.test(text) && (text.match(/\S+/g) ?? []).length <= 12;
    if (aboutTheQuestion && (!valid || spec.def.type === 'text')) {
      // Another topic's question wins when the classifier is sure ("what currencies does Kartra support?"),
      // unless it names this very field ("what's the support code for?").
      const namesField = [spec.def.label, spec.field.replace(/_/g, ' '), ...spec.def.aliases].some((w) => mentions(text, w));
      const digression = namesField ? undefined : await this.digress(dc, text, FlowDialog.state(dc)?.intent);
      if (digression) return digression;
      await dc.context.sendActivity(spec.def.help ?? this.m.say('field_question', { label: spec.def.label.toLowerCase() }));
      await dc.repromptDialog();
      return { status: DialogTurnStatus.waiting };
    }
    return undefined;
  }

  /** A valid value for the field in something the customer wrote earlier in this conversation. */
  private async alreadySaid(dc: DialogContext, field: string): Promise<string | undefined> {
    const flow = FlowDialog.state(dc);
    const def = this.brain.rules.field(flow?.flowId ?? '', field);
    if (!def) return undefined;
    const memory = await readMemory(this.services.memory, dc.context);
    const said = [memory.slots[field], ...(await this.services.transcripts.list(dc.context.activity.conversation.id))
      .filter((e) => e.role === 'user').map((e) => e.text).reverse()].filter((s): s is string => Boolean(s));
    // Only the choices themselves count from old messages: any sentence is a "description" of a place.
    const strict = def.type === 'choice' ? { ...def, allow_other: false } : def;
    for (const s of said) {
      if (TOLD_YOU.test(s)) continue;
      const check = checkField(strict, { text: s }, this.m);
      // A free-text field would take anything: only a value volunteered for it counts.
      if (check.ok && (def.type !== 'text' || s === memory.slots[field])) return check.value;
    }
    return undefined;
  }

  /**
   * Answers a question asked in the middle of a tree (about its own topic, when the help text answers it
   * directly, or about another), then repeats the pending question. The tree is kept either way, so a
   * question needs less certainty than a statement does.
   */
  /** `aside`: a sentence about something else at a choice (not its answer), held to a question's threshold. */
  private async digress(dc: DialogContext, text: string, current: RoutableIntent | undefined, aside = false): Promise<DialogTurnResult | undefined> {
    const r = this.services.recognizer.classify(text);
    const thresholds = this.brain.rules.escalation.classifier;
    // An answer that is valid for the pending field wins over a digression ("is it 10.0.0.1?").
    const pending = dc.activeDialog?.id === FIELD_PROMPT ? FieldPrompt.spec(dc.activeDialog.state.options) : undefined;
    if (pending && pending.def.type !== 'text' && checkField(pending.def, { text }, this.m).ok) return undefined;
    const sure = r.confidence >= (QUESTION.test(text) || aside ? thresholds.clarify_below : thresholds.digression_above);
    if (r.intent === current) dc.context.turnState.set(ON_TOPIC_QUESTION, true);
    const other = r.intent !== 'none' && r.intent !== 'handoff.human' && r.intent !== current && sure ? r.intent : undefined;
    const flow = other ? this.brain.rules.flows.get(this.brain.rules.intents[other].tree) : undefined;
    const entry = other ? flow?.steps[flow.entry[other] ?? ''] : undefined;
    // The tree's own direct answer first: it is the specific one ("can I email you instead?" in an IP
    // block names its subject line). Else another topic's article; about the tree's own topic, only a
    // direct answer (its article was given).
    const own = current && current !== 'handoff.human' ? answerText(this.brain.knowledge, '', current, text) : undefined;
    // A follow-up to the last digression ("how many members?" after the Facebook group).
    const memory = await readMemory(this.services.memory, dc.context);
    const last = !other && memory.lastTopic && memory.lastTopic !== current ? answerText(this.brain.knowledge, '', memory.lastTopic, text) : undefined;
    const answer = own?.direct ? own : other && entry?.type === 'answer' ? answerText(this.brain.knowledge, entry.article, other, text) : last?.direct ? last : undefined;
    if (!answer?.text) return undefined;
    if (other && entry?.type === 'answer') { memory.lastTopic = other; memory.lastArticle = entry.article; }
    await dc.context.sendActivity(answer.text);
    await recordEvent(this.services, dc.context, { kind: 'answered', intent: other ?? current ?? memory.lastTopic ?? 'none' });
    // The form's question is open again: leaving now is leaving the form.
    const open = this.flow.pendingQuestion(dc);
    if (open) await recordEvent(this.services, dc.context, { kind: 'question', ...open });
    await dc.context.sendActivity(this.m.say('back_to_question'));
    await dc.repromptDialog();
    return { status: DialogTurnStatus.waiting };
  }

  // ---- a person offered in the middle of a tree ---------------------------------------------------------

  private async offerStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    return this.offer(step, this.m.say('frustrated_offer'), [this.m.say('talk_to_person'), this.m.say('keep_going')]);
  }

  /** "Talk to a person": the hand-off, with what the tree collected; otherwise the tree's question again. */
  private async afterOfferStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const result = step.result as ChoiceResult | undefined;
    if (result?.status === 'ok' && result.index === 0) {
      const flow = FlowDialog.state(step);
      const carried = {
        fields: flow?.fields ?? {}, attachments: flow?.attachments ?? [], ...(flow ? { from: flow.intent, problem: flow.problem ?? flow.text } : {}),
        reason: (step.options as { reason?: string }).reason ?? 'negative_sentiment',
      };
      await step.cancelAllDialogs();
      return step.beginDialog(FLOW_DIALOG, { intent: 'handoff.human', text: step.context.activity.text ?? '', carried } satisfies FlowOptions);
    }
    await step.context.sendActivity(this.m.say('keep_going_ack'));
    // The question below comes again when this ends (a prompt re-asks on resuming).
    return step.endDialog();
  }
}
