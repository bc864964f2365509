import type { TurnContext } from 'botbuilder';
import type { Memory } from './memory';
import { withChoices } from './messages';
import { recordEvent, type TriageServices } from './services';

const WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5 };

/**
 * Ratings said in words or thumbs, read only as the answer to the rating question (a short message):
 * "👍", "thumbs down", "great", "meh", "it was ok", "useless". Checked in order: "not good" before "good".
 */
const SAID: Array<[RegExp, number]> = [
  [/\bnot\s+(?:too\s+|that\s+|so\s+)?bad\b|\bno\s+complaints\b/u, 4],
  [/👎|👎🏻|👎🏼|👎🏽|👎🏾|👎🏿|😡|🤬|😠|\bthumbs?\s*down\b|\b(?:terrible|awful|horrible|useless|rubbish|worst|hopeless|pathetic|waste\s+of\s+time)\b/u, 1],
  [/\bnot\s+(?:great|good|helpful|useful|very\s+good)\b|\b(?:bad|poor|unhelpful|disappointing|could(?:\s+have|'ve)?\s+(?:be|been)\s+better)\b|😕|🙁|☹️|😞/u, 2],
  [/^\W*(?:it\s+was\s+|that\s+was\s+|pretty\s+)?(?:ok(?:ay)?|fine|alright|all\s+right|average|decent|not\s+bad|meh+|so-?so)\W*$/u, 3],
  [/\b(?:good|helpful|useful|nice|pretty\s+good|quick|fast)\b|🙂|😊/u, 4],
  [/👍|👌|🙏|❤️|😍|🤩|\bthumbs?\s*up\b|\b(?:great|excellent|amazing|awesome|perfect|fantastic|brilliant|superb|outstanding|love(?:d)?\s+it|very\s+helpful|super\s+helpful)\b/u, 5],
];

/** Words about the chat itself: a message with them after a rating is its comment, even if it names a topic. */
const FEEDBACK = /\b(?:quick(?:ly)?|fast|easy|easier|clear(?:er)?|helpful|unhelpful|useful|useless|confusing|confused|slow|annoying|frustrating|robotic|repetitive|friendly|rude|polite|articles?|answers?|links?|explain\w*|bot|chatbot|did\s*n.?t\s+help|did\s+not\s+help|was\s*n.?t\s+(?:helpful|clear))\b/i;
const QUESTION = /\?\s*$|^(?:what|which|how|why|where|when|who|can|could|do|does|is|are|will)\b/i;
/** Words a rating is said with ("I'd give it a solid 4 stars"): what is left besides them is a comment. */
const RATING_WORDS = /[⭐★]|\b(?:[1-9]|10|one|two|three|four|five|stars?|out|of|i'?d|would|give|it|a|an|rate|rating|solid|maybe|about|so|and)\b|\//gi;

/** What a rating message says besides the rating ("2, didn't really help" → "didn't really help"), if enough to be a comment. */
export function commentIn(text: string): string | undefined {
  const rest = text.replace(RATING_WORDS, ' ').replace(/^[\s,.;:!—–-]+|[\s,.;:!—–-]+$/g, '').replace(/\s+/g, ' ');
  return (rest.match(/\p{L}{2,}/gu) ?? []).length >= 2 ? rest : undefined;
}

/**
 * "4", "4/5", "4 out of 5", "5 stars", "⭐⭐⭐", "five", "meh 2", "great, 5 stars", "10/10": a rating of 1 to
 * 5, from a short message with one number in it (out of 10 is halved); with `words`, also "👍", "great",
 * "meh", "useless". Undefined when there is none.
 */
export function ratingOf(text: string, words = false): number | undefined {
  const t = text.trim().toLowerCase();
  const stars = [...t.matchAll(/⭐|★/g)].length;
  if (stars >= 1 && stars <= 5 && /^[\s⭐★]+$/.test(t)) return stars;
  // ★★★☆☆: the filled ones.
  if (/^[\s★☆]+$/.test(t) && /★/.test(t) && /☆/.test(t)) return [...t.matchAll(/★/g)].length;
  // "3.5", "4,5": between two, the lower (a rating is whole).
  const decimal = /\b([1-4])[.,]5\b/.exec(t);
  if (decimal && !/\d\s*(?:\/|out\s+of)/.test(t)) return Number(decimal[1]);
  if ((t.match(/\S+/g) ?? []).length > 8) return undefined;
  const fifths = /\b([1-5]|one|two|three|four|five)\s*(?:\/|out\s+of|of)\s*(?:5|five)\b/.exec(t);
  if (fifths) return /\d/.test(fifths[1] ?? '') ? Number(fifths[1]) : WORDS[fifths[1] ?? ''];
  const tenths = /\b(\d{1,2})\s*(?:\/|out\s+of)\s*10\b/.exec(t);
  if (tenths) return Math.min(5, Math.max(1, Math.round(Number(tenths[1]) / 2)));
  const numbers = [...t.matchAll(/\b([1-5]|one|two|three|four|five)\b(?!\s*(?:am|pm|days?|hours?|minutes?|times|[.,]\d))/g)].map((m) => m[1] ?? '');
  if (numbers.length === 1 && !/\b(?:[6-9]|\d{2,})\b/.test(t)) {
    const n = numbers[0] ?? '';
    return /\d/.test(n) ? Number(n) : WORDS[n];
  }
  if (!words || numbers.length || (t.match(/\S+/g) ?? []).length > 6) return undefined;
  return SAID.find(([re]) => re.test(t))?.[1];
}

/**
 * Asking the customer how it went, once per conversation, at an end (a ticket opened, or thanks, bye or
 * "that solved it" after an answer), never in the middle of a form. The rating is kept with the
 * conversation's topic for the lead's view; a comment after it is optional, and anything that reads as
 * a new request is routed instead.
 */
export class Satisfaction {
  constructor(private readonly services: TriageServices) {}

  private get m() { return this.services.brain.rules.messages; }

  /** Whether this conversation may still be asked. */
  canAsk(memory: Memory): boolean {
    return memory.csat === undefined && Boolean(memory.lastTopic || memory.lastTicket) && !memory.withPerson;
  }

  async ask(context: TurnContext, memory: Memory): Promise<void> {
    memory.csat = 'asked';
    await context.sendActivity(withChoices(this.m.say('csat_ask'), ['1', '2', '3', '4', '5']));
  }

  /**
   * The customer's answer to the rating or comment question, if this message is one; true when it was
   * taken (and answered). Anything else ends the rating and is routed as usual. `request`: how surely the
   * message is a new request (a command, a near-certain topic, a likely topic, or neither); `intent`: the
   * topic it reads as.
   */
  async take(context: TurnContext, memory: Memory, text: string, request: 'command' | 'sure' | 'maybe' | 'no', intent?: string): Promise<boolean> {
    const topic = memory.lastTopic ?? memory.lastTicketIntent;
    // Rated after an agent closed the conversation: the rating is the agent's.
    const about = { ...(topic ? { intent: topic } : {}), ...(memory.csatAgent ? { detail: memory.csatAgent } : {}) };
    if (memory.csat === 'asked' || memory.csat === 'asked_again') {
      const rating = ratingOf(text, true);
      if (rating === undefined) {
        // Not a number from 1 to 5 and not a new request ("ten", "it was ok i guess"): asked once more. A
        // question ("how long will billing take?") is answered instead, and the rating left.
        if (memory.csat === 'asked' && request === 'no' && !QUESTION.test(text)) {
          memory.csat = 'asked_again';
          await context.sendActivity(withChoices(this.m.say('csat_ask_again'), ['1', '2', '3', '4', '5']));
          return true;
        }
        memory.csat = 'done';
        return false;
      }
      memory.csatRating = rating;
      // "2, didn't really help": the comment came with the rating (a number); it is not asked for again.
      const comment = ratingOf(text) !== undefined ? commentIn(text) : undefined;
      memory.csat = comment ? 'done' : 'comment';
      await recordEvent(this.services, context, { kind: 'csat', rating, ...about, ...(comment ? { text: comment } : {}) });
      await context.sendActivity(this.m.say(comment ? 'csat_comment_thanks' : rating <= 2 ? 'csat_thanks_low' : 'csat_thanks'));
      return true;
    }
    if (memory.csat === 'comment') {
      memory.csat = 'done';
      // A comment talks about the chat ("the links in the article are confusing"); after a low rating, what
      // follows is most likely the complaint, even about the same topic ("I wanted to know why my account
      // was shut off"), unless it plainly is a new request ("my IP is blocked too").
      const feedback = FEEDBACK.test(text) && !QUESTION.test(text);
      const low = (memory.csatRating ?? 5) <= 2;
      const sameTopic = intent !== undefined && intent === topic;
      // A question is asked to be answered ("what about the double charge?"), not a comment to pass on.
      const newRequest = request === 'command' || QUESTION.test(text) || (request === 'sure' ? !(feedback || (low && sameTopic)) : request === 'maybe' ? !(feedback || low) : false);
      if (newRequest) return false;
      await recordEvent(this.services, context, { kind: 'csat', rating: memory.csatRating ?? 3, text, ...about });
      await context.sendActivity(this.m.say('csat_comment_thanks'));
      return true;
    }
    // A rating typed after the question was passed by: kept, if none was given.
    if (memory.csat === 'done' && memory.csatRating === undefined) {
      const rating = ratingOf(text);
      if (rating === undefined || text.trim().length > 20) return false;
      memory.csatRating = rating;
      // A comment may follow, as after a rating given when asked.
      memory.csat = 'comment';
      await recordEvent(this.services, context, { kind: 'csat', rating, ...about });
      await context.sendActivity(this.m.say(rating <= 2 ? 'csat_thanks_low' : 'csat_thanks'));
      return true;
    }
    return false;
  }
}
