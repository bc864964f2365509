/**
 * The lines of an answer just given that a short follow-up asks about ("what subject line again?",
 * "where is that directory", "how many members"): the help text has said it already, so it is quoted back
 * rather than turned away. Matching is by content words; words that any question has are ignored.
 */
const IGNORED = new Set([
  'what', 'whats', 'where', 'wheres', 'which', 'when', 'who', 'whom', 'why', 'how', 'many', 'much', 'again', 'exactly', 'please',
  'that', 'this', 'these', 'those', 'there', 'they', 'them', 'their', 'then', 'than', 'the', 'and', 'but', 'for', 'with', 'from',
  'about', 'into', 'onto', 'does', 'did', 'doing', 'done', 'can', 'could', 'would', 'should', 'will', 'shall', 'may', 'might', 'must',
  'have', 'has', 'had', 'are', 'was', 'were', 'been', 'being', 'you', 'your', 'yours', 'mine', 'our', 'its', 'just', 'only', 'also',
  'sorry', 'okay', 'said', 'say', 'tell', 'told', 'mean', 'meant', 'kartra', 'account', 'find', 'get', 'see', 'use', 'need', 'want',
  'know', 'thing', 'one', 'ones', 'some', 'any', 'all', 'not', 'yes', 'now', 'still', 'really', 'actually', 'in', 'on', 'at', 'to',
]);

const stem = (w: string) => w.replace(/(?:ies|es|s|ing|ed)$/, '').slice(0, 7);
const words = (s: string) => (s.toLowerCase().replace(/[‘’']/g, '').match(/\p{L}{3,}/gu) ?? []).filter((w) => !IGNORED.has(w)).map(stem);

/** The best-matching line of `body` for `question` (with the links of its paragraph), if any matches. */
export function quoteFor(body: string, question: string): string | undefined {
  const asked = new Set(words(question));
  if (asked.size === 0 || asked.size > 4) return undefined;
  let best: { line: string; paragraph: string; score: number } | undefined;
  for (const paragraph of body.split(/\n\s*\n/)) {
    const lines = paragraph.split(/\n|(?<=[.!?])\s+(?=[A-Z*])/).map((l) => l.trim()).filter((l) => /\p{L}{3,}/u.test(l));
    for (const line of lines) {
      const have = new Set(words(line));
      const score = [...asked].filter((w) => have.has(w)).length;
      if (score > 0 && (!best || score > best.score)) best = { line, paragraph, score };
    }
  }
  // Every word that carries the question must be in the line: "members" alone, "subject line" both.
  if (!best || best.score < asked.size) return undefined;
  const links = (best.paragraph.match(/https?:\/\/[^\s)>\]]+/g) ?? []).filter((u) => !best.line.includes(u));
  return [best.line.replace(/^[-*]\s+/, ''), ...links].join(' ');
}
