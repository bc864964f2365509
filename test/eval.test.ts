// A floor under the router's quality on the held-out paraphrases (eval/heldout.yaml), which the router
// never trains on: the targets of 95% accuracy, 85% out-of-scope recall with at most 5% in-scope false
// rejects, typos costing at most 3 points, and 3 points above nlp.js trained on the same utterances.
// Full figures, cross-validation and latency: `npm run eval`.
import { heldOut } from '../scripts/eval';
import { report, seeded, withTypos, type Example } from '../scripts/eval/metrics';
import { nlpjsSystem } from '../scripts/eval/systems';
import { words } from '../knowledge/textFeatures';
import { examples } from '../knowledge/utterances';
import { sharedBrain } from './helpers';

describe('router quality on the held-out set', () => {
  const { router, knowledge, rules } = sharedBrain();
  const test = heldOut();
  const classify = (texts: Example[]) => report(texts.map((e) => ({ gold: e.intent, predicted: router.classify(e.text).intent, ms: 0 })));

  it('has at least 15 messages per intent and 60 out of scope', () => {
    const counts = new Map<string, number>();
    for (const e of test) counts.set(e.intent, (counts.get(e.intent) ?? 0) + 1);
    expect(counts.get('none')).toBeGreaterThanOrEqual(60);
    const short = Object.keys(rules.intents).filter((i) => (counts.get(i) ?? 0) < 15);
    expect(short).toEqual([]);
  });

  it('is not a copy of the training: no training sentence shares 70% of its words with a held-out one of its intent', () => {
    const bag = (t: string) => new Set(words(t));
    const overlap = (a: Set<string>, b: Set<string>) => {
      const shared = [...a].filter((w) => b.has(w)).length;
      return shared / (a.size + b.size - shared);
    };
    const held = test.map((e) => ({ ...e, bag: bag(e.text) }));
    const copies = examples(knowledge.utterances).flatMap((t) => {
      const b = bag(t.text);
      return held.filter((h) => h.intent === t.intent && overlap(b, h.bag) >= 0.7).map((h) => `${t.text} ≈ ${h.text}`);
    });
    expect(copies).toEqual([]);
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

  it('is at least 3 points more accurate than nlp.js trained on the same utterances', async () => {
    const nlp = await nlpjsSystem.train(examples(knowledge.utterances));
    const predictions = [];
    for (const e of test) predictions.push({ gold: e.intent, predicted: await nlp(e.text), ms: 0 });
    const baseline = report(predictions).accuracy;
    expect(classify(test).accuracy - baseline).toBeGreaterThanOrEqual(0.03);
  });
});
