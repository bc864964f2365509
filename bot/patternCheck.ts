import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import type { BrainSources } from '../rules';
import { controlSource } from '../rules/router';
import { CONTROL_IDS } from '../rules/schema';
import { workerFile } from './workerFile';

/** A regular expression of the rules, and where it is written (for the lead's error message). */
export interface RulePattern { where: string; source: string }

/** Every regular expression the rules and knowledge run on customers' messages, as they run them. */
export function rulePatterns({ rules, knowledge }: BrainSources): RulePattern[] {
  const out: RulePattern[] = [];
  // A control runs inside the router's whole-message pattern, whose own repetitions can compound its own.
  for (const id of CONTROL_IDS) out.push({ where: `rules/intents.yaml: controls.${id}`, source: controlSource(rules, id) });
  for (const [intent, answers] of knowledge.answers) answers.forEach((a, i) => out.push({ where: `knowledge/answers.yaml: ${intent}[${i}].when`, source: a.when.source }));
  for (const p of rules.patterns) p.patterns.forEach((source, i) => out.push({ where: `rules/intents.yaml: patterns (${p.intent})[${i}]`, source }));
  rules.escalation.negative_sentiment.phrases.forEach((source, i) => out.push({ where: `rules/escalation.yaml: negative_sentiment.phrases[${i}]`, source }));
  for (const [name, def] of rules.allFields()) {
    def.extract.forEach((r, i) => out.push({ where: `field ${name}: extract[${i}].when`, source: r.when }));
    if (def.other_when) out.push({ where: `field ${name}: other_when`, source: def.other_when });
  }
  for (const [flowId, flow] of rules.flows) {
    for (const [stepId, step] of Object.entries(flow.steps)) {
      if (step.type !== 'confirm') continue;
      step.yes_when.forEach((source, i) => out.push({ where: `rules/flows/${flowId}.yaml: steps.${stepId}.yes_when[${i}]`, source }));
      step.no_when.forEach((source, i) => out.push({ where: `rules/flows/${flowId}.yaml: steps.${stepId}.no_when[${i}]`, source }));
    }
  }
  return out;
}

const Progress = z.union([z.object({ at: z.number().int() }), z.object({ slow: z.array(z.object({ index: z.number().int(), ms: z.number() })) })]);

/**
 * The patterns that take too long on some message (a nested repetition such as `(\w+\s?)*` backtracks
 * without end when the rest does not match): each is tried on awkward messages in a worker thread, which
 * is stopped if one never finishes. One such pattern would hold every customer's reply.
 */
export function slowPatterns(patterns: RulePattern[], { timeoutMs = 5000 } = {}): Promise<string[]> {
  const problem = (p: RulePattern | undefined, ms?: number) => `${p?.where ?? 'a pattern'}: too slow on some messages${ms ? ` (${Math.round(ms)} ms)` : ' (it never finished)'}; a repetition inside a repetition, like (\\w+\\s?)*, backtracks without end: ${p?.source ?? ''}`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerFile('patternCheckWorker'), { workerData: patterns.map((p) => p.source), resourceLimits: { maxOldGenerationSizeMb: 128 } });
    let at = -1;
    const timer = setTimeout(() => { void worker.terminate(); resolve([problem(patterns[at])]); }, timeoutMs);
    worker.on('message', (message: unknown) => {
      const m = Progress.safeParse(message);
      if (!m.success) return;
      if ('at' in m.data) { at = m.data.at; return; }
      clearTimeout(timer);
      resolve(m.data.slow.map((s) => problem(patterns[s.index], s.ms)));
    });
    worker.once('error', (err) => { clearTimeout(timer); reject(err); });
  });
}
