/**
 * Where a message turns to another matter: after a sentence, at "also", "btw", "one more thing", at "and"
 * followed by a question ("…on Growth, and can I connect a subdomain?"), or at ", and I…" ("my ip is
 * blocked, and I was charged twice"); whether it is another problem is for the classifier to say.
 */
const TURN = /((?<=[.?!;])\s+|\s*,?\s*\b(?:and\s+also|also|plus|btw|by\s+the\s+way|another\s+thing|one\s+more\s+thing|oh\s+and)\b[\s,:-]*|,?\s+and\s+(?=(?:how|what|which|can|could|do|does|is|are|why|where|when|will)\b)|,\s+and\s+(?=(?:i|i'm|i've|my|we|our)\b))/i;
const QUESTION = /\?\s*$|^(?:how|what|which|can|could|do|does|is|are|why|where|when|will)\b/i;

/**
 * The parts of a message that may each raise a problem: the opening, and every later part that is a
 * question or is introduced as another matter ("also…"). A later plain statement is the same story told
 * on ("I bought a course from Jane. I can't log in to it.").
 */
export function clauses(text: string): string[] {
  const pieces = text.split(TURN);
  const out = [pieces[0]?.trim() ?? ''];
  for (let i = 1; i + 1 < pieces.length; i += 2) {
    const turn = pieces[i] ?? '';
    const clause = (pieces[i + 1] ?? '').trim();
    if (clause && (/\p{L}/u.test(turn) || QUESTION.test(clause))) out.push(clause);
    else if (clause) out[out.length - 1] += ` ${clause}`;
  }
  return out.filter((c) => (c.match(/\p{L}{2,}/gu) ?? []).length >= 3);
}
