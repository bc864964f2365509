import type { Facts } from './facts';

/** Names the help text lists, all read as one placeholder word (`zcurrency`, `zlanguage`). */
export interface EntityList { placeholder: string; names: string[]; codes: string[] }

/**
 * The currencies and checkout languages of knowledge/facts.yaml, supported or not. Training has examples
 * for a handful of them; with the placeholder, "is the Swedish krona available" looks like "can I use
 * euros" to the classifier, for every name in the lists rather than only the ones in the examples.
 */
export function factEntities(f: Facts): EntityList[] {
  const currencies = [...f.currencies.list, ...f.recognise_only.currencies];
  return [
    { placeholder: 'zcurrency', names: currencies.flatMap((c) => [c.name, ...c.aliases]), codes: currencies.map((c) => c.code) },
    { placeholder: 'zlanguage', names: [...f.checkout_languages.languages, ...f.recognise_only.languages], codes: [] },
  ];
}

const tokens = (s: string): string[] => s.toLowerCase().match(/[a-z0-9]+/g) ?? [];

/** Finds listed names in a message's words (longest first, a plural -s allowed) and codes in its raw text. */
export class EntityTagger {
  /** Names by their first word, longest first so "new zealand dollar" wins over "new". */
  private readonly byFirstWord = new Map<string, Array<{ words: string[]; placeholder: string }>>();
  private readonly codes: RegExp | undefined;
  private readonly codePlaceholder = new Map<string, string>();

  constructor(lists: EntityList[]) {
    const names = lists.flatMap((l) => l.names.map((n) => ({ words: tokens(n), placeholder: l.placeholder })))
      .sort((a, b) => b.words.length - a.words.length);
    for (const n of names) {
      const first = n.words[0];
      if (first !== undefined) this.byFirstWord.set(first, [...(this.byFirstWord.get(first) ?? []), n]);
    }
    for (const l of lists) for (const c of l.codes) this.codePlaceholder.set(c, l.placeholder);
    // Codes count only in capitals: "TRY", "RUB" and "CAD" are currencies, "try", "rub" and "cad" are words.
    const codes = [...this.codePlaceholder.keys()];
    this.codes = codes.length ? new RegExp(`\\b(?:${codes.join('|')})\\b`, 'g') : undefined;
  }

  /** Every word of every name: a spelling dictionary should know them ("Brazilain" is "brazilian"). */
  words(): string[] {
    return [...this.byFirstWord.values()].flat().flatMap((n) => n.words);
  }

  /** The raw message with its capitalised codes replaced, before it is lower-cased. */
  replaceCodes(text: string): string {
    return this.codes ? text.replace(this.codes, (code) => ` ${this.codePlaceholder.get(code) ?? code} `) : text;
  }

  /** The words with every listed name replaced by its placeholder. */
  tag(words: string[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < words.length;) {
      const word = words[i] ?? '';
      const candidates = this.byFirstWord.get(word) ?? this.byFirstWord.get(word.replace(/s$/, '')) ?? [];
      const hit = candidates.find((n) => n.words.every((w, j) => {
        const next = words[i + j];
        return next === w || (j === n.words.length - 1 && next === `${w}s`);
      }));
      if (hit) { out.push(hit.placeholder); i += hit.words.length; } else { out.push(word); i++; }
    }
    return out;
  }
}
