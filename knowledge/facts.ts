import fs from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';

const Currency = z.object({ code: z.string().regex(/^[A-Z]{3}$/), name: z.string().min(1), aliases: z.array(z.string()).default([]) }).strict();
export const FactsSchema = z.object({
  checkout_languages: z.object({
    interface_language: z.string(),
    modes: z.array(z.string()).min(1),
    languages: z.array(z.string().min(1)).min(1),
  }).strict(),
  currencies: z.object({ changed_in: z.string(), list: z.array(Currency).min(1) }).strict(),
  webinar_limits: z.object({
    plans: z.array(z.object({ plan: z.string(), attendees: z.number().int(), presenters: z.number().int(), max_hours: z.number() }).strict()).min(1),
    not_included: z.array(z.string()),
  }).strict(),
  recognise_only: z.object({ languages: z.array(z.string()), currencies: z.array(Currency) }).strict(),
}).strict();
export type Facts = z.infer<typeof FactsSchema>;
type CurrencyFact = z.infer<typeof Currency>;

export function loadFacts(file: string): Facts {
  const parsed = FactsSchema.safeParse(YAML.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Values for the {{placeholders}} articles may use. */
export function factPlaceholders(f: Facts): Record<string, string> {
  return {
    checkout_languages: f.checkout_languages.languages.join(', '),
    language_count: String(f.checkout_languages.languages.length),
    currencies: f.currencies.list.map((c) => `${c.code} (${c.name})`).join(', '),
    currency_count: String(f.currencies.list.length),
    webinar_limits: f.webinar_limits.plans
      .map((p) => `- **${p.plan}**: ${p.attendees} attendees, ${p.presenters} presenters, events up to ${p.max_hours} hours`).join('\n'),
    webinar_excluded: f.webinar_limits.not_included.join(', '),
  };
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const wordRe = (s: string) => new RegExp(`(^|[^\\p{L}])${escapeRe(s)}s?($|[^\\p{L}])`, 'iu');
// Codes that are also English words only count when written in capitals ("try", "won", "rub").
const WORDLIKE_CODES = new Set(['RUB', 'TRY', 'WON', 'COP', 'ARS', 'PHP', 'CAD', 'SEK']);

function mentionsCurrency(text: string, c: CurrencyFact): boolean {
  if (new RegExp(`\\b${c.code}\\b`).test(text)) return true;
  if (!WORDLIKE_CODES.has(c.code) && new RegExp(`\\b${c.code}\\b`, 'i').test(text)) return true;
  return [c.name, ...c.aliases].some((n) => wordRe(n).test(text));
}

/** "A, B and C". */
const and = (names: string[]) => (names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0] ?? '');

/**
 * A direct first sentence for a question about one specific currency, language or plan ("can I use yen?",
 * "is checkout available in Thai?"), or undefined when the question is general and the article says it all.
 */
export function factAnswer(f: Facts, intent: string, text: string): string | undefined {
  if (intent === 'billing.currency') {
    const n = f.currencies.list.length;
    const yes = f.currencies.list.filter((c) => mentionsCurrency(text, c));
    const no = f.recognise_only.currencies.filter((c) => mentionsCurrency(text, c));
    const parts: string[] = [];
    if (yes.length) parts.push(`Yes: ${and(yes.map((c) => `${c.code} (${c.name})`))} ${yes.length === 1 ? 'is one of' : 'are among'} the ${n} account currencies.`);
    if (no.length) parts.push(`${and(no.map((c) => `${c.code} (${c.name})`))} ${no.length === 1 ? "isn't one of" : "aren't among"} the ${n} account currencies Kartra supports.`);
    return parts.length ? parts.join(' ') : undefined;
  }
  if (intent === 'faq.checkout_languages') {
    const n = f.checkout_languages.languages.length;
    const yes = f.checkout_languages.languages.filter((l) => wordRe(l).test(text));
    const no = f.recognise_only.languages.filter((l) => wordRe(l).test(text));
    const parts: string[] = [];
    if (yes.length) parts.push(`Yes: ${and(yes)} ${yes.length === 1 ? 'is one of' : 'are among'} the ${n} checkout languages.`);
    if (no.length) parts.push(`${and(no)} ${no.length === 1 ? "isn't one of" : "aren't among"} the ${n} checkout languages.`);
    return parts.length ? parts.join(' ') : undefined;
  }
  if (intent === 'faq.webinar_limits') {
    const parts = f.webinar_limits.plans.filter((p) => wordRe(p.plan).test(text))
      .map((p) => `On the ${p.plan} plan, webinars allow ${p.attendees} attendees and ${p.presenters} presenters, for up to ${p.max_hours} hours.`);
    for (const plan of f.webinar_limits.not_included) if (wordRe(plan).test(text)) parts.push(`Webinars are not included with the ${plan} plan.`);
    return parts.length ? parts.join(' ') : undefined;
  }
  return undefined;
}

/** What makes a message also ask about another fact topic ("…and can my checkout be in Afrikaans?"). */
const ALSO_ABOUT: Record<string, RegExp> = {
  'billing.currency': /\b(?:currenc\w*|price[sd]?|pricing|money|dollars?|euros?|pounds?|rand|yen|pesos?|rupees?)\b/i,
  'faq.checkout_languages': /\b(?:checkouts?|languages?|translat\w*)\b/i,
  'faq.webinar_limits': /\b(?:webinars?|attendees?|presenters?)\b/i,
};

/**
 * Fact answers for the other fact topics a message also asks about, with their names in it: two
 * questions in one message get two answers.
 */
export function otherFactAnswers(f: Facts, intent: string, text: string): string[] {
  return Object.entries(ALSO_ABOUT)
    .filter(([other, re]) => other !== intent && re.test(text))
    .map(([other]) => factAnswer(f, other, text))
    .filter((a): a is string => Boolean(a));
}
