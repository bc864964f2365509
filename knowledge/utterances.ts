import fs from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { IntentIdSchema, type IntentId } from '../rules/schema';

// A sentence listed twice weighs double; listed under two intents it teaches the classifier nothing.
export const UtterancesSchema = z.record(IntentIdSchema, z.array(z.string().min(1)).min(1)).superRefine((u, ctx) => {
  const seen = new Map<string, string>();
  for (const [intent, texts] of Object.entries(u)) {
    for (const text of texts ?? []) {
      const key = text.toLowerCase().replace(/\s+/g, ' ').trim();
      const first = seen.get(key);
      if (first) ctx.addIssue({ code: 'custom', path: [intent], message: `"${text}" is already listed under ${first}` });
      else seen.set(key, intent);
    }
  }
});
export type Utterances = Partial<Record<IntentId, string[]>>;

export function loadUtterances(file: string): Utterances {
  const parsed = UtterancesSchema.safeParse(YAML.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Flattens to (text, intent) pairs in file order. */
export function examples(u: Utterances): Array<{ text: string; intent: IntentId }> {
  return Object.entries(u).flatMap(([intent, texts]) => (texts ?? []).map((text) => ({ text, intent: intent as IntentId })));
}
