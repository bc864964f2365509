/**
 * Spelling correction against the training vocabulary: a word one edit away from a known word (a letter
 * missing, extra, wrong or two swapped) is read as the most frequent such word. A symmetric-delete index
 * built once makes a lookup a few map reads; natural's Spellcheck, which generates every edit of the word
 * and checks each, takes about 0.9 ms a word here, too slow for the 2 ms-per-message budget.
 */
/** How often a word must be seen for a once-seen word one edit from it to count as its typo. */
const DOMINANT = 5;

export class SpellingCorrector {
  private readonly frequency = new Map<string, number>();
  private readonly byDeletion = new Map<string, string[]>();

  constructor(corpus: Iterable<string>) {
    for (const w of corpus) this.frequency.set(w, (this.frequency.get(w) ?? 0) + 1);
    for (const w of this.frequency.keys()) {
      for (const d of deletions(w)) {
        const list = this.byDeletion.get(d);
        if (list) list.push(w); else this.byDeletion.set(d, [w]);
      }
    }
  }

  has(word: string): boolean {
    return this.frequency.has(word);
  }

  /**
   * The known word this one is a typo of, or the word itself. A word seen only once that is one edit from
   * a word seen at least `DOMINANT` times is taken as a typo of it too: the training has deliberate typos
   * ("usernme"), and those should read as the word, not block its correction.
   */
  correct(word: string): string {
    const own = this.frequency.get(word) ?? 0;
    if (own > 1) return word;
    let best = word;
    let count = own === 1 ? DOMINANT - 1 : 0;
    for (const c of this.candidates(word)) {
      const f = this.frequency.get(c) ?? 0;
      if (f > count || (f === count && c < best)) { best = c; count = f; }
    }
    return best;
  }

  /** Known words one edit away: a letter missing, extra, wrong, or two swapped. */
  private candidates(word: string): Set<string> {
    const out = new Set<string>(this.byDeletion.get(word) ?? []);
    for (const d of deletions(word)) {
      if (this.frequency.has(d)) out.add(d);
      for (const w of this.byDeletion.get(d) ?? []) if (w.length === word.length && w !== word && withinOneEdit(w, word)) out.add(w);
    }
    out.delete(word);
    return out;
  }
}

function deletions(word: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < word.length; i++) out.push(word.slice(0, i) + word.slice(i + 1));
  return out;
}

/** Same length: one substitution, or one swap of neighbouring letters. */
function withinOneEdit(a: string, b: string): boolean {
  const diff: number[] = [];
  for (let i = 0; i < a.length && diff.length <= 2; i++) if (a[i] !== b[i]) diff.push(i);
  if (diff.length === 1) return true;
  const [i = 0, j = 0] = diff;
  return diff.length === 2 && j === i + 1 && a[i] === b[j] && a[j] === b[i];
}
