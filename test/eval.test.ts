// A floor under the router's quality on the held-out paraphrases (eval/heldout.yaml), which the router
// never trains on: the targets of 95% accuracy, 85% out-of-scope recall with at most 5% in-scope false
// rejects, and typos costing at most 3 points. Figures and the comparison with nlp.js: `npm run eval`.
import { report, seeded, withTypos } from '../scripts/eval/metrics';
import { heldOut } from '../scripts/eval';
import { sharedBrain } from './helpers';

describe('router quality on the held-out set', () => {
  const { router } = sharedBrain();
  const test = heldOut();
  const classify = (texts: typeof test) => report(texts.map((e) => ({ gold: e.intent, predicted: router.classify(e.text).intent, ms: 0 })));

  it('has at least 15 messages per intent and 60 out of scope', () => {
    const counts = new Map<string, number>();
    for (const e of test) counts.set(e.intent, (counts.get(e.intent) ?? 0) + 1);
    expect(counts.get('none')).toBeGreaterThanOrEqual(60);
    for (const intent of Object.keys(sharedBrain().rules.intents)) expect([intent, counts.get(intent) ?? 0]).toEqual([intent, expect.any(Number)]);
    expect(Math.min(...Object.keys(sharedBrain().rules.intents).map((i) => counts.get(i) ?? 0))).toBeGreaterThanOrEqual(15);
  });

  it('meets the targets: accuracy, out-of-scope recall, false rejects, typos', () => {
    const clean = classify(test);
    expect(clean.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(clean.oosRecall).toBeGreaterThanOrEqual(0.85);
    expect(clean.falseRejectRate).toBeLessThanOrEqual(0.05);
    const random = seeded(42);
    const typos = classify(test.map((e) => ({ ...e, text: withTypos(e.text, random) })));
    expect(clean.accuracy - typos.accuracy).toBeLessThanOrEqual(0.03);
  });
});
