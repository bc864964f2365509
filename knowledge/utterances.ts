import fs from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { IntentIdSchema, type IntentId } from '../rules/schema';

export const UtterancesSchema = z.record(IntentIdSchema, z.array(z.string().min(1)).min(1));
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
