interface Detected { lang: string; accuracy: number }
type DetectAll = (text: string) => Detected[];

let detectAll: DetectAll | undefined;

/**
 * The language of a message that is clearly not English, or undefined. tinyld guesses short English
 * phrases wrong ("help me" reads as Spanish), so a guess counts only for a message of a few words that
 * the classifier mostly does not know (`knownShare`: the share of its words seen in the English
 * training), or when it is a confident one.
 */
export function foreignLanguage(text: string, knownShare: number): string | undefined {
  const words = text.match(/\p{L}+/gu) ?? [];
  if (words.length < 3) return undefined;
  // Loaded on first use: it is not needed for start-up.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  detectAll ??= (require('tinyld/light') as { detectAll: DetectAll }).detectAll;
  const best = detectAll(text)[0];
  if (!best || best.lang === 'en') return undefined;
  if (best.accuracy >= 0.5 && knownShare < 0.6) return best.lang;
  if (best.accuracy >= 0.1 && knownShare < 0.35) return best.lang;
  return undefined;
}
