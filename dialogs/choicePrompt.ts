import { ActivityTypes, type TurnContext } from 'botbuilder';
import { Prompt, type PromptOptions, type PromptRecognizerResult, type PromptValidatorContext } from 'botbuilder-dialogs';
import type { Messages } from '../rules/messages';
import { withChoices } from './messages';
import { polarity } from './polarity';

export interface ChoiceOption { label: string; synonyms: string[]; describes?: boolean }
export interface ChoiceSpec {
  prompt: string;
  options: ChoiceOption[];
  /** A yes/no question: options[0] is "yes", options[1] "no". */
  yesNo: boolean;
  /** Sentences that answer this yes/no question without a yes or no ("the link says expired" is a no). */
  yesWhen?: string[];
  noWhen?: string[];
  /** Misunderstood answers before giving up (the flow then offers a person). */
  maxFailures: number;
  /** The option that leads to a ticket: "open a ticket", "yes, open it" picks it. */
  ticket?: number;
}
/** `said`: what else a yes/no answer told ("no, the link says expired"), for the question that follows. */
/** `described`: no option was named; the message described the problem and picked the option that takes descriptions. */
export type ChoiceResult = { status: 'ok'; index: number; said?: string; described?: boolean } | { status: 'gave_up' };

interface ChoiceState { reason?: string }

const ORDINALS: Array<[RegExp, (n: number) => number]> = [
  [/^(?:the\s+)?(?:first|1st|one|1|top)(?:\s+(?:one|option))?$/, () => 0],
  [/^(?:the\s+)?(?:second|2nd|two|2)(?:\s+(?:one|option))?$/, () => 1],
  [/^(?:the\s+)?(?:third|3rd|three|3)(?:\s+(?:one|option))?$/, () => 2],
  [/^(?:the\s+)?(?:fourth|4th|four|4)(?:\s+(?:one|option))?$/, () => 3],
  [/^(?:the\s+)?(?:fifth|5th|five|5)(?:\s+(?:one|option))?$/, () => 4],
  [/^(?:the\s+)?(?:last|bottom)(?:\s+(?:one|option))?$/, (n) => n - 1],
  [/^(?:option|number|no\.?|#)\s*(\d)$/, () => -1],
];
/** A question about the options themselves ("what do you mean?", "which one?"). */
const ABOUT_THE_OPTIONS = /^(?:huh|sorry|pardon|what|eh|hmm+)\W*$|\bwhat do you mean\b|\bi don.?t (?:understand|get it)\b|\bwhich (?:one|option)s?\b|\bwhat(?:'?s| is| are)? the (?:difference|options?|choices?)\b|\bmeaning\b|\bconfus/i;
/**
 * Set for the turn when the message asks about the topic just answered (the options are the way on), so
 * the prompt explains them rather than saying it has no answer.
 */
export const ON_TOPIC_QUESTION = Symbol('onTopicQuestion');
/** Any other question: one the bot could not answer here (questions it can answer never reach the prompt). */
const QUESTION = /\?\s*$|^(?:what|which|how|why|where|when|who|can|could|do|does|is|are|will)\b/i;

const norm = (s: string) => s.toLowerCase().replace(/[‘’`´]/g, "'").replace(/[^\p{L}\p{N}' ]+/gu, ' ').replace(/\s+/g, ' ').trim();
const contains = (text: string, phrase: string) => phrase.length > 0 && new RegExp(`(?:^| )${phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?: |$)`).test(text);

const LEADING_ANSWER = /^\s*(?:yes|yeah|yep|yup|no|nope|nah|not really|ok(?:ay)?|sure)\b[\s,.;:!—–…-]*/i;
/** Words that only repeat the yes or no ("it still didn't work"): they describe nothing. */
const EMPTY_WORDS = new Set(['it', 'that', 'this', 'the', 'a', 'an', 'i', 'did', 'didnt', 'didn', 'does', 'doesnt', 'doesn', 'do', 'dont', 'don', 'not', 'no',
  'work', 'works', 'worked', 'working', 'help', 'helped', 'still', 'just', 'at', 'all', 'unfortunately', 'sadly', 'sorry', 'really', 'nope', 'yes', 'is', 'was',
  'has', 'have', 'hasn', 'haven', 'won', 'wont', 'nothing', 'changed', 'same', 'again', 'problem', 'thanks', 'thank', 'you', 'either', 'too', 'yet', 'so', 'far']);

/** A statement of five words or more that is no question, no "not sure" and no question about the options. */
function describesProblem(text: string): boolean {
  return (text.match(/\p{L}{2,}/gu) ?? []).length >= 5 && !QUESTION.test(text) && !ABOUT_THE_OPTIONS.test(text) && polarity(text).answer !== 'unsure';
}

/** What a yes/no answer said besides yes or no, as the customer wrote it: "nope, the link is expired" → "the link is expired". */
export function saidBesides(text: string): string | undefined {
  const rest = text.trim().replace(/^\s*(?:(?:not sure|i think|i guess|well|hmm+)[\s,.;:!—–…-]*)+/i, '').replace(LEADING_ANSWER, '')
    .replace(/[\s,;—–-]*(?:so\s+)?(?:yes|no|nope|probably(?:\s+not)?|i\s+guess)[\s.!]*$/i, '').trim();
  const content = (rest.toLowerCase().match(/\p{L}{2,}/gu) ?? []).filter((w) => !EMPTY_WORDS.has(w));
  return content.length >= 2 ? rest : undefined;
}

/** Which option a free answer means, if one: its label or a synonym, a position ("the second one"), or a yes/no. */
/** Asking for the ticket itself: "please open a ticket", "yes open it", "file it". */
const TICKET_REQUEST = /\b(?:open|create|file|submit|raise|log|make|send|start)\b.{0,25}\bticket\b|\bticket,?\s+(?:please|pls|plz)\b|^\W*(?:(?:yes|yeah|yep|ok(?:ay)?|sure|please)[\s,!.]*)*(?:open|file|submit|send|raise)\s+(?:it|one)\b/i;

/**
 * What a message says besides asking for the ticket ("can you open a ticket for me, my funnel pages load
 * slowly" → "my funnel pages load slowly"), or undefined when that is all it says.
 */
export function besidesTicketRequest(text: string): string | undefined {
  if (!TICKET_REQUEST.test(text)) return text;
  const rest = text.replace(/^\W*(?:(?:yes|yeah|yep|ok(?:ay)?|sure|please|hi|hello|hey|so|can|could|would|will)\b[\s,!.]*)*(?:you\s+)?(?:please\s+)?/i, '')
    .replace(/\b(?:open|create|file|submit|raise|log|make|send|start)\b(?:\s+(?:me|us))?(?:\s+(?:a|an|the|my|one|it))?(?:\s+(?:support|helpdesk|billing))?(?:\s+ticket)?(?:\s+(?:for|about)\s+(?:me|us|this|it))?(?:\s+(?:please|pls|plz|then|now|anyway))*[\s,.:;!?-]*/i, ' ')
    .replace(/\s+/g, ' ').trim();
  return (rest.match(/\p{L}{2,}/gu) ?? []).length >= 3 ? rest : undefined;
}

/** The option whose label or synonym is the whole message ("cancel" where cancelling is an option), if one. */
export function namedOption(text: string, spec: Pick<ChoiceSpec, 'options'>): number | undefined {
  const t = norm(text);
  const i = spec.options.findIndex((o) => [o.label, ...o.synonyms].some((n) => norm(n) === t));
  return i >= 0 ? i : undefined;
}

export function recogniseOption(text: string, spec: Pick<ChoiceSpec, 'options' | 'yesNo' | 'yesWhen' | 'noWhen' | 'ticket'>): number | undefined {
  const t = norm(text);
  if (!t) return undefined;
  if (spec.yesNo) {
    // The question's own phrasings first: they know "it worked, no problem" is a yes.
    if (spec.noWhen?.some((re) => new RegExp(re, 'iu').test(text))) return 1;
    if (spec.yesWhen?.some((re) => new RegExp(re, 'iu').test(text))) return 0;
  }
  const names = spec.options.map((o) => [o.label, ...o.synonyms].map(norm));
  const exact = names.findIndex((list) => list.includes(t));
  if (exact >= 0) return exact;
  if (spec.ticket !== undefined && TICKET_REQUEST.test(text)) return spec.ticket;
  for (const [re, at] of ORDINALS) {
    const m = re.exec(t);
    if (!m) continue;
    const i = m[1] ? Number(m[1]) - 1 : at(spec.options.length);
    if (i >= 0 && i < spec.options.length) return i;
  }
  const p = polarity(text).answer;
  if (spec.yesNo) return p === 'yes' ? 0 : p === 'no' ? 1 : undefined;
  // Options named inside a longer answer ("the one about my password please"), longest names first.
  const matched = names.map((list) => list.filter((n) => n.length >= 3 && contains(t, n)).sort((a, b) => b.length - a.length)[0]);
  const named = new Set(matched.flatMap((n, i) => (n ? [i] : [])));
  if (named.size === 1) return [...named][0];
  // "I never made a kartra account" names "kartra" inside a longer synonym of another option: the longer one.
  const longest = matched.reduce((best, n, i) => (n && n.length > (matched[best] ?? '').length ? i : best), 0);
  if (named.size > 1 && matched.every((n, i) => !n || i === longest || (matched[longest] ?? '').includes(n))) return longest;
  // A yes or no for an option whose synonyms say yes or no ("That covers it" ← "yes"), when the answer is
  // one: said first or in a few words, not a "don't" inside a sentence ("I don't remember which email…").
  if (named.size === 0 && (p === 'yes' || p === 'no') && (LEADING_ANSWER.test(text) || (text.match(/\p{L}+/gu) ?? []).length <= 4)) {
    const byAnswer = names.findIndex((list) => list.includes(p));
    if (byAnswer >= 0) return byAnswer;
  }
  return undefined;
}

/**
 * A choice or yes/no question that understands free answers, and says why it asks again: a question
 * back ("what do you mean?") gets the options explained, anything else "I didn't catch which one". After
 * `maxFailures` it gives up, and the flow offers a person: never silence, never an endless loop.
 */
export class ChoiceStepPrompt extends Prompt<ChoiceResult> {
  constructor(dialogId: string, private readonly messages: () => Messages) {
    super(dialogId, async (pc: PromptValidatorContext<ChoiceResult>) => {
      if (pc.recognized.succeeded) return true;
      const text = pc.context.activity.text ?? '';
      const spec = ChoiceStepPrompt.spec(pc.options);
      const m = this.messages();
      const unsure = polarity(text).answer === 'unsure';
      (pc.state as ChoiceState).reason = ABOUT_THE_OPTIONS.test(text) || unsure || pc.context.turnState.get(ON_TOPIC_QUESTION) ? m.say('choice_explain')
        : QUESTION.test(text) ? m.say('choice_question_unanswered')
        : spec.yesNo ? m.say('yes_no_retry') : m.say('choice_retry');
      if (pc.attemptCount < spec.maxFailures) return false;
      pc.recognized.value = { status: 'gave_up' };
      return true;
    });
  }

  static spec(options: PromptOptions): ChoiceSpec {
    return options.validations as ChoiceSpec;
  }

  protected async onPrompt(context: TurnContext, state: object, options: PromptOptions, isRetry: boolean): Promise<void> {
    const spec = ChoiceStepPrompt.spec(options);
    const lead = isRetry ? (state as ChoiceState).reason : undefined;
    await context.sendActivity(withChoices(lead ? `${lead} ${spec.prompt}` : spec.prompt, spec.options.map((o) => o.label)));
  }

  protected async onRecognize(context: TurnContext, _state: object, options: PromptOptions): Promise<PromptRecognizerResult<ChoiceResult>> {
    const a = context.activity;
    if (a.type !== ActivityTypes.Message) return { succeeded: false };
    // A card button posts its choice as data.
    const text = a.text ?? ((a.value as { choice?: unknown } | undefined)?.choice as string | undefined) ?? '';
    const spec = ChoiceStepPrompt.spec(options);
    const index = recogniseOption(text, spec);
    if (index === undefined) {
      // "It was $99 on March 3 and again on March 4" at "does that cover it, or shall I open a ticket?".
      const describing = spec.options.findIndex((o) => o.describes);
      return describing >= 0 && a.text && describesProblem(a.text)
        ? { succeeded: true, value: { status: 'ok', index: describing, said: a.text.trim(), described: true } }
        : { succeeded: false };
    }
    // What else the answer said: the detail of a yes or no, or the sentence an option was named in
    // ("and I want a refund for last month" → Open a Billing ticket).
    const named = a.text && norm(a.text) !== norm(spec.options[index]?.label ?? '') && (a.text.match(/\p{L}{2,}/gu) ?? []).length >= 4;
    const told = a.text ? besidesTicketRequest(a.text) : undefined;
    const said = told ? (spec.yesNo ? saidBesides(told) : named ? told.trim().replace(/^(?:and|also|but|so|ok(?:ay)?|well)\b[\s,]*/i, '') : undefined) : undefined;
    return { succeeded: true, value: { status: 'ok', index, ...(said ? { said } : {}) } };
  }
}
