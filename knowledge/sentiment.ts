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

/**
 * True for a message negative enough that a person should take over. One negative word is not enough
 * ("I was charged twice" is a billing question, not anger): it takes several, and a low mean.
 */
export function isStronglyNegative(text: string, policy: { below: number; min_words: number; min_negative_words: number }): boolean {
  const s = sentiment(text);
  return s.words >= policy.min_words && s.negativeWords >= policy.min_negative_words && s.score <= policy.below;
}
