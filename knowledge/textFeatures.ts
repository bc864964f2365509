// natural's storage modules call dotenv and print a banner when loaded; quiet them before any natural import.
process.env.DOTENV_CONFIG_QUIET ??= 'true';
// Only the stemmer is needed; require('natural') would also load its storage back-ends (~0.5 s).
import PorterStemmer from 'natural/lib/natural/stemmers/porter_stemmer';
import type { EntityTagger } from './entities';

const CONTRACTIONS: Array<[RegExp, string]> = [
  [/\b(can)['’]?t\b/g, 'can not'], [/\bcannot\b/g, 'can not'], [/\bwon['’]t\b/g, 'will not'],
  [/\b(do|does|did|is|are|was|were|has|have|had|could|would|should|must)n['’]?t\b/g, '$1 not'],
  [/['’]m\b/g, ' am'], [/['’]re\b/g, ' are'], [/['’]ll\b/g, ' will'], [/['’]ve\b/g, ' have'], [/['’]d\b/g, ' would'],
  [/['’]s\b/g, ''],
];

// Words that carry no intent. "not", "no", question words and numbers stay: they change meaning here.
const STOPWORDS = new Set(('a an the to of for in on at by with from and or but so if it its this that these those ' +
  'i me my mine myself we our you your he she they them their is am are was were be been being do does did ' +
  'have has had will would should could can may might must shall please pls plz hi hello hey thanks thank ' +
  'just really very also still now then there here some any about into out up as than too im ive ok okay ' +
  'kartra sir madam dear team guys').split(' '));

// Counts written out read like digits ("five domains" like "5 domains"). Not "one": "the one I bought".
const NUMBER_WORDS = new RegExp(`\\b(?:${('two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen ' +
  'sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand dozen').split(' ').join('|')})\\b`, 'g');

// "Does Kartra support PayPal?" asks what the product can do; "support" the team is another intent.
const SUPPORT_VERB = /\b((?:do|does|did|will|would|can|could)(?: not)? (?:you|kartra|it|they|(?:the|your) \w+)|(?:you|kartra|it|they) (?:do|does|did|will|can|could)(?: not)?) support\b/g;

/** Lower-cases, expands contractions and replaces emails, IPs, URLs and numbers with placeholders. */
export function normalise(text: string): string {
  let t = text.normalize('NFKC').toLowerCase().slice(0, 600);
  t = t.replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, ' zemail ')
    .replace(/\bhttps?:\/\/\S+|\bwww\.\S+/g, ' zurl ')
    .replace(/\b\d{1,3}(\.\d{1,3}){3}\b|\b[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}\b/g, ' zipaddr ')
    .replace(/\b\d+(\.\d+)?\b/g, ' znum ')
    .replace(NUMBER_WORDS, ' znum ');
  for (const [re, to] of CONTRACTIONS) t = t.replace(re, to);
  return t.replace(SUPPORT_VERB, '$1 zsupports').replace(/\bsupport(s|ed)\b/g, 'zsupports');
}

/** The words of a message after normalisation, in order. */
export function words(text: string): string[] {
  return normalise(text).match(/[a-z0-9]+/g) ?? [];
}

/**
 * A message as classifier features: its words, each misspelt one corrected, listed names (currencies,
 * languages) replaced by a placeholder, stop words dropped, the rest stemmed, plus bigrams of adjacent stems
 * ("not_activ", "secur_question"). Training and classifying share one, so both see the same features.
 */
export class Featurizer {
  constructor(private readonly options: { correct?: (word: string) => string; entities?: EntityTagger } = {}) {}

  /** Content-word stems of a message, in order. */
  stems(text: string): string[] {
    const { correct = (w: string) => w, entities } = this.options;
    const raw = words(entities ? entities.replaceCodes(text) : text).map(correct);
    return (entities ? entities.tag(raw) : raw).filter((w) => !STOPWORDS.has(w)).map((w) => PorterStemmer.stem(w));
  }

  /** Stems plus bigrams of adjacent stems. */
  features(text: string): string[] {
    return withBigrams(this.stems(text));
  }
}

/** Stems plus bigrams of adjacent stems. */
export function withBigrams(stems: string[]): string[] {
  const out = [...stems];
  for (let i = 1; i < stems.length; i++) out.push(`${stems[i - 1]}_${stems[i]}`);
  return out;
}
