import { normalise } from './textFeatures';

interface Analyzer { getSentiment(words: string[]): number }
let analyzer: Analyzer | undefined;

// natural's SentimentAnalyzer loads every language's vocabulary (~0.4 s), so it is built on first use
// (or by warmUpSentiment after the server is listening), not at start-up.
function load(): Analyzer {
  if (!analyzer) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const SentimentAnalyzer = require('natural/lib/natural/sentiment/SentimentAnalyzer') as new (lang: string, stemmer: unknown, vocabulary: string) => Analyzer;
    // Unstemmed words: AFINN lists inflected forms ("hated", "frustrating") itself.
    analyzer = new SentimentAnalyzer('English', null, 'afinn');
  }
  return analyzer;
}

export function warmUpSentiment(): void {
  load();
}

export interface Sentiment { score: number; words: number; negativeWords: number }

/** AFINN mean score per word (-5 … 5), the word count, and how many words are negative on their own. */
export function sentiment(text: string): Sentiment {
  // Contractions expanded ("don't" → "do not"), so the analyzer's negation handling sees them.
  const words = normalise(text).match(/[a-z]+/g) ?? [];
  if (!words.length) return { score: 0, words: 0, negativeWords: 0 };
  const a = load();
  return { score: a.getSentiment(words), words: words.length, negativeWords: words.filter((w) => a.getSentiment([w]) < 0).length };
}

export interface FrustrationPolicy { below: number; min_words: number; min_negative_words: number; phrases: string[]; caps_words: number }

const compiled = new WeakMap<FrustrationPolicy, RegExp[]>();

/**
 * True for a message from a customer who is fed up: a phrase that says so (rules/escalation.yaml), several
 * words shouted in capitals, or negative enough by word scores. One negative word is not enough ("I was
 * charged twice" is a billing question, not anger).
 */
export function isStronglyNegative(text: string, policy: FrustrationPolicy): boolean {
  let phrases = compiled.get(policy);
  if (!phrases) { phrases = policy.phrases.map((p) => new RegExp(p, 'iu')); compiled.set(policy, phrases); }
  if (phrases.some((re) => re.test(text))) return true;
  // An apology ("sorry, my mistake, it was right") is not anger; links and markup say nothing about the customer.
  if (/^\W*(?:sorry|oops|my\s+bad|my\s+mistake|apologies)\b/i.test(text)) return false;
  text = text.replace(/\bhttps?:\/\/\S+|<[^>]*>|\[([^\]]*)\]\([^)]*\)/g, ' $1 ');
  if ((text.match(/\b[A-Z]{3,}\b/g) ?? []).filter((w) => !/^(IP|VPN|URL|SSL|DNS|API|CRM|SMS|PDF|USD|EUR|GBP|KARTRA|FAQ)$/.test(w)).length >= policy.caps_words) return true;
  const s = sentiment(text);
  return s.words >= policy.min_words && s.negativeWords >= policy.min_negative_words && s.score <= policy.below;
}
