import type { TurnContext } from 'botbuilder';
import type { Memory } from './memory';
import { withChoices } from './messages';
import { recordEvent, type TriageServices } from './services';

const WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5 };

/**
 * "4", "4/5", "5 stars", "⭐⭐⭐", "five", "meh 2", "great, 5 stars", "10/10": a rating of 1 to 5, from a
 * short message with one number in it (out of 10 is halved); undefined when there is none.
 */
export function ratingOf(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  const stars = [...t.matchAll(/⭐|★/g)].length;
  if (stars >= 1 && stars <= 5 && /^[\s⭐★]+$/.test(t)) return stars;
  if ((t.match(/\S+/g) ?? []).length > 8) return undefined;
  const tenths = /\b(\d{1,2})\s*(?:\/|out\s+of)\s*10\b/.exec(t);
  if (tenths) return Math.min(5, Math.max(1, Math.round(Number(tenths[1]) / 2)));
  const numbers = [...t.matchAll(/\b([1-5]|one|two|three|four|five)\b(?!\s*(?:am|pm|days?|hours?|minutes?|times|[.,]\d))/g)].map((m) => m[1] ?? '');
  if (numbers.length !== 1 || /\b(?:[6-9]|\d{2,})\b/.test(t)) return undefined;
  const n = numbers[0] ?? '';
  return /\d/.test(n) ? Number(n) : WORDS[n];
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
   * message is a new request (a command or a near-certain topic, a likely topic, or neither).
   */
  async take(context: TurnContext, memory: Memory, text: string, request: 'sure' | 'maybe' | 'no'): Promise<boolean> {
    const topic = memory.lastTopic ?? memory.lastTicketIntent;
    // Rated after an agent closed the conversation: the rating is the agent's.
    const about = { ...(topic ? { intent: topic } : {}), ...(memory.csatAgent ? { detail: memory.csatAgent } : {}) };
    if (memory.csat === 'asked' || memory.csat === 'asked_again') {
      const rating = ratingOf(text);
      if (rating === undefined) {
        // Not a number from 1 to 5 and not a new request ("ten", "it was ok i guess"): asked once more.
        if (memory.csat === 'asked' && request === 'no') {
          memory.csat = 'asked_again';
          await context.sendActivity(withChoices(this.m.say('csat_ask_again'), ['1', '2', '3', '4', '5']));
          return true;
        }
        memory.csat = 'done';
        return false;
      }
      memory.csat = 'comment';
      memory.csatRating = rating;
      await recordEvent(this.services, context, { kind: 'csat', rating, ...about });
      await context.sendActivity(this.m.say(rating <= 2 ? 'csat_thanks_low' : 'csat_thanks'));
      return true;
    }
    if (memory.csat === 'comment') {
      memory.csat = 'done';
      // After a low rating, what follows is most likely the complaint ("you didn't help, still broken"),
      // unless it plainly is a new request ("my IP is blocked too").
      if (request === 'sure' || (request === 'maybe' && (memory.csatRating ?? 5) > 2)) return false;
      await recordEvent(this.services, context, { kind: 'csat', rating: memory.csatRating ?? 3, text, ...about });
      await context.sendActivity(this.m.say('csat_comment_thanks'));
      return true;
    }
    // A rating typed after the question was passed by: kept, if none was given.
    if (memory.csat === 'done' && memory.csatRating === undefined) {
      const rating = ratingOf(text);
      if (rating === undefined || text.trim().length > 20) return false;
      memory.csatRating = rating;
      await recordEvent(this.services, context, { kind: 'csat', rating, ...about });
      await context.sendActivity(this.m.say('csat_comment_thanks'));
      return true;
    }
    return false;
  }
}
