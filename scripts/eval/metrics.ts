import { seededRandom } from '../../knowledge/seededRandom';
import type { IntentId } from '../../rules/schema';

export interface Example { text: string; intent: IntentId }
export interface Prediction { gold: IntentId; predicted: IntentId; ms: number }

export interface Report {
  inScope: number;
  outOfScope: number;
  /** Top-1 accuracy on in-scope messages (a reject counts as wrong). */
  accuracy: number;
  /** Macro-F1 over the in-scope intents and `none`. */
  macroF1: number;
  /** Out-of-scope messages the system rejected (said "none"). */
  oosRecall: number;
  /** In-scope messages the system rejected. */
  falseRejectRate: number;
  confusions: { gold: string; predicted: string; count: number }[];
  p50ms: number;
  p95ms: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export function report(predictions: Prediction[]): Report {
  const inScope = predictions.filter((p) => p.gold !== 'none');
  const oos = predictions.filter((p) => p.gold === 'none');
  const labels = [...new Set(predictions.map((p) => p.gold))];
  const f1s = labels.map((label) => {
    const tp = predictions.filter((p) => p.gold === label && p.predicted === label).length;
    const fp = predictions.filter((p) => p.gold !== label && p.predicted === label).length;
    const fn = predictions.filter((p) => p.gold === label && p.predicted !== label).length;
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  });
  const pairs = new Map<string, number>();
  for (const p of predictions) if (p.gold !== p.predicted) pairs.set(`${p.gold}\t${p.predicted}`, (pairs.get(`${p.gold}\t${p.predicted}`) ?? 0) + 1);
  const confusions = [...pairs.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5)
    .map(([k, count]) => { const [gold = '', predicted = ''] = k.split('\t'); return { gold, predicted, count }; });
  const ms = predictions.map((p) => p.ms);
  return {
    inScope: inScope.length,
    outOfScope: oos.length,
    accuracy: inScope.filter((p) => p.predicted === p.gold).length / Math.max(1, inScope.length),
    macroF1: f1s.reduce((a, b) => a + b, 0) / Math.max(1, f1s.length),
    oosRecall: oos.filter((p) => p.predicted === 'none').length / Math.max(1, oos.length),
    falseRejectRate: inScope.filter((p) => p.predicted === 'none').length / Math.max(1, inScope.length),
    confusions,
    p50ms: percentile(ms, 50),
    p95ms: percentile(ms, 95),
  };
}

export { seededRandom as seeded } from '../../knowledge/seededRandom';

/** Stratified k folds: every intent spread evenly, deterministic for a seed. */
export function folds(examples: Example[], k: number, seed = 7): Example[][] {
  const random = seededRandom(seed);
  const out: Example[][] = Array.from({ length: k }, () => []);
  const byIntent = new Map<IntentId, Example[]>();
  for (const e of examples) byIntent.set(e.intent, [...(byIntent.get(e.intent) ?? []), e]);
  for (const group of byIntent.values()) {
    const shuffled = group.map((e) => ({ e, r: random() })).sort((a, b) => a.r - b.r).map((x) => x.e);
    shuffled.forEach((e, i) => out[i % k]?.push(e));
  }
  return out;
}

const KEYBOARD_NEIGHBOURS: Record<string, string> = {
  a: 'qwsz', b: 'vghn', c: 'xdfv', d: 'serfcx', e: 'wsdr', f: 'drtgvc', g: 'ftyhbv', h: 'gyujnb', i: 'ujko', j: 'huikmn',
  k: 'jiolm', l: 'kop', m: 'njk', n: 'bhjm', o: 'iklp', p: 'ol', q: 'wa', r: 'edft', s: 'awedxz', t: 'rfgy', u: 'yhji',
  v: 'cfgb', w: 'qase', x: 'zsdc', y: 'tghu', z: 'asx',
};

/**
 * A typo-perturbed copy of a message: each word of four letters or more gets, with probability `rate`,
 * one of the typos people make (swapped letters, a dropped, doubled or neighbouring-key letter).
 */
export function withTypos(text: string, random: () => number, rate = 0.3): string {
  return text.replace(/[A-Za-z]{4,}/g, (word) => {
    if (random() >= rate) return word;
    const i = 1 + Math.floor(random() * (word.length - 2));
    const kind = Math.floor(random() * 4);
    const c = word[i] ?? '';
    if (kind === 0) return word.slice(0, i) + (word[i + 1] ?? '') + c + word.slice(i + 2);
    if (kind === 1) return word.slice(0, i) + word.slice(i + 1);
    if (kind === 2) return word.slice(0, i) + c + word.slice(i);
    const near = KEYBOARD_NEIGHBOURS[c.toLowerCase()] ?? c;
    return word.slice(0, i) + (near[Math.floor(random() * near.length)] ?? c) + word.slice(i + 1);
  });
}
