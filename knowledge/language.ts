interface Detected { lang: string; accuracy: number }
type DetectAll = (text: string) => Detected[];

let detectAll: DetectAll | undefined;

/** Words of English that are not words of the languages tinyld confuses it with. */
const ENGLISH_ONLY = new Set(['i', 'the', 'and', 'of', 'to', 'my', 'you', 'your', 'with', 'this', 'that', 'then', 'have', 'has', 'what',
  'when', 'where', 'how', 'can', 'not', 'just', 'but', 'it', 'its', 'about', 'after', 'before', 'been', 'did', 'didn', 'doesn', 'don', 'im',
  'isn', 'wasn', 'cant', 'dont', 'doesnt', 'didnt', 'should', 'would', 'could', 'which', 'they', 'their', 'there', 'because', 'from']);

/**
 * The language of a message that is clearly not English, or undefined. tinyld guesses short English
 * phrases wrong ("help me" reads as Spanish, "its paula_p" as French), so only words count (not
 * usernames, emails or numbers), a message needs a few of them, and a guess counts only when the
 * classifier mostly does not know the words (`knownShare`: the share seen in the English training) and
 * the guess is confident, or clearly ahead of the next one for a message the classifier hardly knows.
 */
export function foreignLanguage(text: string, knownShare: number): string | undefined {
  const words = text.split(/\s+/).map((t) => t.replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, '')).filter((t) => /^\p{L}+$/u.test(t));
  if (words.length < 3) return undefined;
  // English function words no other language uses settle it ("i was importing a csv of 2000 contacts").
  const english = words.filter((w) => ENGLISH_ONLY.has(w.toLowerCase())).length;
  if (english >= 1 && english >= 0.2 * words.length) return undefined;
  // Loaded on first use: it is not needed for start-up.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  detectAll ??= (require('tinyld/light') as { detectAll: DetectAll }).detectAll;
  const [best, next] = detectAll(words.join(' '));
  if (!best || best.lang === 'en') return undefined;
  if (best.accuracy >= 0.5 && knownShare < 0.6) return best.lang;
  if (best.accuracy >= 0.15 && best.accuracy >= 2 * (next?.accuracy ?? 0) && knownShare < 0.35) return best.lang;
  // A sentence in French or German can score low (0.1–0.15) but clear of the next language; a name or place
  // of three words ("hotel la paz") scores like that too, so only from five words.
  if (words.length >= 5 && best.accuracy >= 0.1 && best.accuracy >= 1.5 * (next?.accuracy ?? 0) && knownShare < 0.35) return best.lang;
  return undefined;
}
