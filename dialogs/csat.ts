import type { TurnContext } from 'botbuilder';
import type { Memory } from './memory';
import { withChoices } from './messages';
import { recordEvent, type TriageServices } from './services';

const WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5 };

/** "4", "4/5", "5 stars", "⭐⭐⭐", "five": a rating of 1 to 5, or undefined. */
export function ratingOf(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  const stars = [...t.matchAll(/⭐|★/g)].length;
  if (stars >= 1 && stars <= 5 && /^[\s⭐★]+$/.test(t)) return stars;
  const m = /^(?:i(?:'d)?\s+(?:give|rate)\s+(?:it|you)\s+(?:a\s+)?)?([1-5]|one|two|three|four|five)(?:\s*(?:\/\s*5|out\s+of\s+(?:5|five)|stars?))?\s*[.!]*$/.exec(t);
  return m ? Number(m[1] && /\d/.test(m[1]) ? m[1] : WORDS[m[1] ?? ''] ?? 0) || undefined : undefined;
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
   * taken (and answered). Anything else ends the rating and is routed as usual.
   */
  async take(context: TurnContext, memory: Memory, text: string, looksLikeRequest: boolean): Promise<boolean> {
    const topic = memory.lastTopic ?? memory.lastTicketIntent;
    if (memory.csat === 'asked') {
      const rating = ratingOf(text);
      if (rating === undefined) { memory.csat = 'done'; return false; }
      memory.csat = 'comment';
      memory.csatRating = rating;
      await recordEvent(this.services, context, { kind: 'csat', rating, ...(topic ? { intent: topic } : {}) });
      await context.sendActivity(this.m.say(rating <= 3 ? 'csat_thanks_low' : 'csat_thanks'));
      return true;
    }
    if (memory.csat === 'comment') {
      memory.csat = 'done';
      if (looksLikeRequest) return false;
      await recordEvent(this.services, context, { kind: 'csat', rating: memory.csatRating ?? 3, text, ...(topic ? { intent: topic } : {}) });
      await context.sendActivity(this.m.say('csat_comment_thanks'));
      return true;
    }
    return false;
  }
}
