// `npm run eval [-- --json]`: the router against nlp.js and a plain natural BayesClassifier, on 5-fold
// cross-validation over the training utterances and on the held-out paraphrases (eval/heldout.yaml), plus
// a typo-perturbed copy of the held-out set (fixed seed). Prints accuracy, macro-F1, out-of-scope recall,
// false rejects, the most confused pairs and latency; then the router's held-out accuracy before and after
// the sentences the review inbox taught it (read from the store: DATA_DIR or DATABASE_URL).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../bot/config';
import { openStore } from '../bot/store';
import { loadKnowledge } from '../knowledge';
import { loadHeldOut } from '../knowledge/heldout';
import { factEntities } from '../knowledge/entities';
import { IntentClassifier, type ClassifierOptions } from '../knowledge/classifier';
import { examples } from '../knowledge/utterances';
import { defaultRulesDir, loadRules } from '../rules/loader';
import { Router } from '../rules/router';
import { folds, report, seeded, withTypos, type Example, type Prediction, type Report } from './eval/metrics';
import { naturalSystem, nlpjsSystem, routerSystem, type System } from './eval/systems';

export function heldOut(): Example[] {
  return loadHeldOut();
}

async function predict(system: System, train: Example[], test: Example[]): Promise<Prediction[]> {
  const classify = await system.train(train);
  const out: Prediction[] = [];
  for (const e of test) {
    const start = process.hrtime.bigint();
    const predicted = await classify(e.text);
    out.push({ gold: e.intent, predicted, ms: Number(process.hrtime.bigint() - start) / 1e6 });
  }
  return out;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function table(title: string, rows: [string, Report][]): string {
  const lines = [`\n${title}`, `${'system'.padEnd(26)} ${'acc'.padStart(7)} ${'macroF1'.padStart(8)} ${'OOS rec'.padStart(8)} ${'false rej'.padStart(9)} ${'p50 ms'.padStart(7)} ${'p95 ms'.padStart(7)}`];
  for (const [name, r] of rows) {
    lines.push(`${name.padEnd(26)} ${pct(r.accuracy).padStart(7)} ${pct(r.macroF1).padStart(8)} ${pct(r.oosRecall).padStart(8)} ${pct(r.falseRejectRate).padStart(9)} ${r.p50ms.toFixed(3).padStart(7)} ${r.p95ms.toFixed(3).padStart(7)}`);
  }
  for (const [name, r] of rows) {
    lines.push(`  ${name} most confused: ${r.confusions.map((c) => `${c.gold} → ${c.predicted} (${c.count})`).join(', ') || 'none'}`);
  }
  return lines.join('\n');
}

export interface CalibrationBin { from: number; to: number; messages: number; top1Right: number; top3Contain: number }

/**
 * How often the classifier's top guess is right, and how often its three best contain the answer, at each
 * score: cross-validated over the in-scope training utterances. The dialog thresholds (clarify_below,
 * digression_above in rules/escalation.yaml) are read off this table.
 */
function calibration(training: Example[], options: ClassifierOptions, k: number): CalibrationBin[] {
  const bins = [[0, 0.6], [0.6, 0.8], [0.8, 0.9], [0.9, 1]].map(([from = 0, to = 1]) => ({ from, to, messages: 0, right: 0, contain: 0 }));
  const parts = folds(training, k);
  parts.forEach((test, i) => {
    const classifier = IntentClassifier.train(parts.filter((_, j) => j !== i).flat(), options);
    for (const e of test.filter((x) => x.intent !== 'none')) {
      const c = classifier.classify(e.text);
      // Each bin holds [from, to), the last one 1 as well.
      const bin = bins.find((b) => c.confidence >= b.from && (c.confidence < b.to || b.to === 1));
      if (!bin) continue;
      bin.messages++;
      if (c.intent === e.intent) bin.right++;
      if (c.ranked.slice(0, 3).some((r) => r.intent === e.intent)) bin.contain++;
    }
  });
  return bins.map((b) => ({ from: b.from, to: b.to, messages: b.messages, top1Right: b.right / Math.max(1, b.messages), top3Contain: b.contain / Math.max(1, b.messages) }));
}

export interface Evaluation {
  crossValidation: Record<string, Report>;
  heldOut: Record<string, Report>;
  heldOutTypos: Record<string, Report>;
  calibration: CalibrationBin[];
}

export async function evaluate(): Promise<Evaluation> {
  const knowledge = loadKnowledge();
  const training = examples(knowledge.utterances);
  const rules = loadRules(defaultRulesDir(), new Set(knowledge.articles.keys()));
  const options: ClassifierOptions = { entities: factEntities(knowledge.facts) };
  const systems = [routerSystem(rules, options), nlpjsSystem, naturalSystem];
  const test = heldOut();
  const random = seeded(42);
  const typos = test.map((e) => ({ ...e, text: withTypos(e.text, random) }));
  const k = 5;
  const parts = folds(training, k);
  const results: Evaluation = { crossValidation: {}, heldOut: {}, heldOutTypos: {}, calibration: calibration(training, options, k) };
  for (const s of systems) {
    const cv: Prediction[] = [];
    for (let i = 0; i < k; i++) cv.push(...await predict(s, parts.filter((_, j) => j !== i).flat(), parts[i] ?? []));
    results.crossValidation[s.name] = report(cv);
    results.heldOut[s.name] = report(await predict(s, training, test));
    results.heldOutTypos[s.name] = report(await predict(s, training, typos));
  }
  return results;
}

export interface Learned {
  sentences: number;
  before: number;
  after: number;
  /** Held-out messages the taught sentences made right, and made wrong. */
  fixed: Example[];
  broken: Array<Example & { now: string }>;
}

/** The router on the held-out set, trained on the utterances file alone and with `learned` added. */
export function beforeAfter(learned: Example[]): Learned {
  const knowledge = loadKnowledge();
  const rules = loadRules(defaultRulesDir(), new Set(knowledge.articles.keys()));
  const options: ClassifierOptions = { entities: factEntities(knowledge.facts) };
  const training = examples(knowledge.utterances);
  const before = new Router(rules, IntentClassifier.train(training, options));
  const after = new Router(rules, IntentClassifier.train([...training, ...learned], options));
  const test = heldOut();
  const was = test.map((e) => before.classify(e.text).intent);
  const now = test.map((e) => after.classify(e.text).intent);
  const share = (got: string[]) => got.filter((g, i) => g === test[i]?.intent).length / Math.max(1, test.length);
  return {
    sentences: learned.length, before: share(was), after: share(now),
    fixed: test.filter((e, i) => was[i] !== e.intent && now[i] === e.intent),
    broken: test.flatMap((e, i) => (was[i] === e.intent && now[i] !== e.intent ? [{ ...e, now: now[i] ?? 'none' }] : [])),
  };
}

/** What the review inbox taught, from the store; undefined when there is no store yet (nothing to read). */
async function taught(): Promise<{ where: string; examples: Example[] } | undefined> {
  const config = loadConfig();
  const sqlite = path.join(config.dataDir, 'triage.sqlite');
  if (!config.DATABASE_URL && !fs.existsSync(sqlite)) return undefined;
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.DATABASE_URL }, { instanceId: crypto.randomUUID() });
  try {
    return { where: config.DATABASE_URL ? 'DATABASE_URL' : sqlite, examples: (await store.training.examples()).map(({ text, intent }) => ({ text, intent })) };
  } finally {
    await store.close();
  }
}

function learnedReport(where: string, l: Learned): string {
  const lines = [`\nThe review inbox's sentences (${where}): ${l.sentences}`];
  lines.push(`  router on the held-out set: ${pct(l.before)} with knowledge/utterances.yaml alone → ${pct(l.after)} with them${l.after < l.before ? '  (FALLS: review what was assigned)' : ''}`);
  for (const e of l.fixed) lines.push(`  now right: "${e.text}" (${e.intent})`);
  for (const e of l.broken) lines.push(`  now wrong: "${e.text}" (${e.intent}, read as ${e.now})`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  if (!json) process.stderr.write('Training and scoring three systems on 5 folds and the held-out set…\n');
  const results = await evaluate();
  const inbox = await taught();
  const learned = inbox ? beforeAfter(inbox.examples) : undefined;
  if (json) { process.stdout.write(`${JSON.stringify({ ...results, ...(learned ? { learned } : {}) }, null, 2)}\n`); return; }
  const rows = (key: 'crossValidation' | 'heldOut' | 'heldOutTypos') => Object.entries(results[key]);
  const first = rows('heldOut')[0]?.[1];
  console.log(`Held-out: ${first?.inScope} in-scope and ${first?.outOfScope} out-of-scope messages (eval/heldout.yaml); a reject is the system answering "none".`);
  console.log(table('5-fold cross-validation over knowledge/utterances.yaml', rows('crossValidation')));
  console.log(table('Held-out paraphrases', rows('heldOut')));
  console.log(table('Held-out with typos (seed 42)', rows('heldOutTypos')));
  console.log('\nThe router\'s score, cross-validated: how often its top guess is right, and its top three contain the answer');
  for (const b of results.calibration) {
    console.log(`  score ${b.from.toFixed(1)}–${b.to.toFixed(1)}: ${String(b.messages).padStart(4)} messages, top guess right ${pct(b.top1Right).padStart(6)}, top three ${pct(b.top3Contain).padStart(6)}`);
  }
  console.log(inbox && learned ? learnedReport(inbox.where, learned) : '\nThe review inbox has taught nothing yet (no store under DATA_DIR, and no DATABASE_URL).');
}

if (require.main === module) {
  main().catch((err: unknown) => { console.error(err); process.exit(1); });
}
