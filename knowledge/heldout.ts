import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { projectRoot } from '../rules/projectRoot';
import type { IntentId } from '../rules/schema';
import { examples, UtterancesSchema } from './utterances';

/** The held-out paraphrases (eval/heldout.yaml): never trained on, only scored. */
export function loadHeldOut(file = path.join(projectRoot(), 'eval', 'heldout.yaml')): Array<{ text: string; intent: IntentId }> {
  return examples(UtterancesSchema.parse(YAML.parse(fs.readFileSync(file, 'utf8'))));
}
