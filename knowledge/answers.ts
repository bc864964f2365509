import fs from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { IntentIdSchema } from '../rules/schema';

const AnswerSchema = z.object({
  when: z.string().min(1).refine((s) => { try { new RegExp(s, 'iu'); return true; } catch { return false; } }, 'not a valid regular expression'),
  say: z.string().min(1),
}).strict();
export const AnswersFileSchema = z.partialRecord(IntentIdSchema.exclude(['none']), z.array(AnswerSchema));

export interface DirectAnswer { when: RegExp; say: string }
export type DirectAnswers = ReadonlyMap<string, DirectAnswer[]>;

/** knowledge/answers.yaml: direct answers to direct questions, per intent, {{fact}} placeholders filled. */
export function loadAnswers(file: string, placeholders: Record<string, string>): DirectAnswers {
  const parsed = AnswersFileSchema.safeParse(YAML.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`knowledge/answers.yaml: ${z.prettifyError(parsed.error)}`);
  const out = new Map<string, DirectAnswer[]>();
  for (const [intent, list] of Object.entries(parsed.data)) {
    out.set(intent, (list ?? []).map((a) => ({
      when: new RegExp(a.when, 'iu'),
      say: a.say.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
        const value = placeholders[key];
        if (value === undefined) throw new Error(`knowledge/answers.yaml: ${intent}: unknown placeholder {{${key}}}`);
        return value;
      }),
    })));
  }
  return out;
}

/**
 * The direct answers for this intent whose patterns the message matches, most specific (first listed)
 * first; two at most ("can I change my username, and can it contain kartra?").
 */
export function directAnswer(answers: DirectAnswers, intent: string, text: string): string | undefined {
  const said = (answers.get(intent) ?? []).filter((a) => a.when.test(text)).slice(0, 2).map((a) => a.say);
  return said.length ? said.join('\n\n') : undefined;
}
