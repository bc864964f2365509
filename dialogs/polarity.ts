export type Answer = 'yes' | 'no' | 'unsure';
export interface Polarity { answer?: Answer; detail?: string }

// Longest first, so "not sure" is one phrase and not a "no".
const PHRASES: Array<[string, Answer]> = ([
  ['i don\'t think so', 'no'], ['don\'t think so', 'no'], ['probably not', 'no'], ['not at all', 'no'], ['not really', 'no'],
  ['i don\'t', 'no'], ['we don\'t', 'no'], ['they don\'t', 'no'], ['it doesn\'t', 'no'], ['i do not', 'no'], ['i\'m not', 'no'], ['we\'re not', 'no'],
  ['all good', 'yes'], ['nobody else', 'no'], ['only me', 'no'], ['just me', 'no'], ['no one', 'no'], ['nope', 'no'], ['nah', 'no'], ['never', 'no'], ['none', 'no'], ['negative', 'no'], ['no', 'no'],
  ['not sure', 'unsure'], ['not certain', 'unsure'], ['no idea', 'unsure'], ['no clue', 'unsure'], ['don\'t know', 'unsure'], ['dont know', 'unsure'], ['unsure', 'unsure'], ['maybe', 'unsure'], ['perhaps', 'unsure'], ['might be', 'unsure'],
  ['i think so', 'yes'], ['of course', 'yes'], ['i do', 'yes'], ['we do', 'yes'], ['they do', 'yes'], ['it does', 'yes'], ['i am', 'yes'], ['we are', 'yes'],
  ['probably', 'yes'], ['yes', 'yes'], ['yeah', 'yes'], ['yea', 'yes'], ['yep', 'yes'], ['yup', 'yes'], ['ya', 'yes'], ['sure', 'yes'], ['correct', 'yes'],
  ['affirmative', 'yes'], ['absolutely', 'yes'], ['definitely', 'yes'], ['certainly', 'yes'], ['indeed', 'yes'], ['true', 'yes'], ['y', 'yes'], ['n', 'no'],
] as Array<[string, Answer]>).sort((a, b) => b[0].length - a[0].length);

const PATTERN = new RegExp(`(?<![\\p{L}'])(${PHRASES.map(([p]) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+')).join('|')})(?![\\p{L}'])`, 'giu');
const ANSWER = new Map(PHRASES.map(([p, a]) => [p, a]));
const FILLER = /^(?:[\s,.;:!?—–-]|\b(?:so|but|and|well|um+|uh+|hmm+|ok(?:ay)?|please|thanks|thank\s+you|actually|i\s+think|i\s+guess)\b)+|(?:[\s,.;:!?—–-]|\b(?:so|and|but|well|please|thanks|thank\s+you)\b)+$/giu;

const FAILED = /\b(?:nothing(?:\s+(?:there|came|arrived|happened))?|still\s+(?:nothing|not|can'?t|cannot|locked|blocked|stuck)|did(?:n'?t| not)\s+(?:work|help|arrive|come|fix)|does(?:n'?t| not)\s+work|not\s+working)\b/i;

/**
 * The yes, no or "not sure" in a free answer, and what else it said. The last one counts ("not sure,
 * it's a cafe so probably yes" is a yes), and the rest is kept as detail ("yes, NordVPN sometimes").
 */
export function polarity(text: string): Polarity {
  // "never mind" withdraws; it answers nothing.
  const t = text.replace(/[‘’`´]/g, "'").replace(/\bnever\s*mind\b/gi, ' ').trim();
  const matches = [...t.matchAll(PATTERN)];
  const last = matches.at(-1);
  if (!last || last.index === undefined) return {};
  const answer = ANSWER.get((last[1] ?? '').toLowerCase().replace(/\s+/g, ' '));
  if (!answer) return {};
  // Single-letter answers only count alone ("y", "n"), not as a word inside a sentence.
  if ((last[1] ?? '').length === 1 && t.length > 2) return matches.length > 1 ? polarity(t.slice(0, last.index)) : {};
  // The detail is what is left once every yes, no and "not sure" is taken out.
  const rest = t.replace(PATTERN, (phrase) => (phrase.length === 1 ? phrase : ' ')).replace(/\s+/g, ' ');
  const detail = rest.replace(FILLER, '').replace(/\s+([,.;:!?])/g, '$1').trim();
  const meaningful = answer !== 'unsure' && /\p{L}{2,}/u.test(detail);
  // "yes I checked spam, nothing": the yes answers something else; the message is no clear answer.
  if (answer === 'yes' && FAILED.test(detail)) return {};
  return { answer, ...(meaningful ? { detail } : {}) };
}
