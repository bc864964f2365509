// natural's storage modules call dotenv and print a banner when loaded; quiet them before any natural import.
process.env.DOTENV_CONFIG_QUIET ??= 'true';
// Only the stemmer is needed; require('natural') would also load its storage back-ends (~0.5 s).
import PorterStemmer from 'natural/lib/natural/stemmers/porter_stemmer';

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

/** Lower-cases, expands contractions and replaces emails, IPs, URLs and numbers with placeholders. */
export function normalise(text: string): string {
  let t = text.normalize('NFKC').toLowerCase().slice(0, 600);
  t = t.replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, ' zemail ')
    .replace(/\bhttps?:\/\/\S+|\bwww\.\S+/g, ' zurl ')
    .replace(/\b\d{1,3}(\.\d{1,3}){3}\b|\b[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}\b/g, ' zipaddr ')
    .replace(/\b\d+(\.\d+)?\b/g, ' znum ');
  for (const [re, to] of CONTRACTIONS) t = t.replace(re, to);
  return t;
}

/** The words of a message after normalisation, in order. */
export function words(text: string): string[] {
  return normalise(text).match(/[a-z0-9]+/g) ?? [];
}

/** Content-word stems of a message, in order; `correct` may first fix a misspelt word. */
export function stems(text: string, correct: (word: string) => string = (w) => w): string[] {
  return words(text).map(correct).filter((w) => !STOPWORDS.has(w)).map((w) => PorterStemmer.stem(w));
}

/** Classifier features: stems plus bigrams of adjacent stems ("not_activ", "secur_question"). */
export function features(text: string, correct?: (word: string) => string): string[] {
  const s = stems(text, correct);
  const out = [...s];
  for (let i = 1; i < s.length; i++) out.push(`${s[i - 1]}_${s[i]}`);
  return out;
}
