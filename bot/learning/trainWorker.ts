// A worker thread's entry: trains one classifier (and scores it on the held-out set) off the server's
// event loop, and posts the model back as plain data. Training takes a few hundred milliseconds, which
// the server's customers would otherwise wait through.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { IntentClassifier } from '../../knowledge/classifier';
import { words } from '../../knowledge/textFeatures';
import { Router, type RouterRules } from '../../rules/router';
import type { Example, TrainingJob, TrainingResult } from './trainer';

/** The sentences' intents as the router reads them with `classifier`. */
function readings(rules: RouterRules, sentences: Example[], classifier: IntentClassifier): string[] {
  const router = new Router(rules, classifier);
  return sentences.map((e) => router.classify(e.text).intent);
}

const content = (text: string) => new Set(words(text).filter((w) => w.length > 2));

/**
 * Sentences taught or held out under another intent that an added one nearly repeats: "i cant log in and my
 * email changed" taught as none, where "I changed my email and now I can't log in" is a login problem.
 */
function conflicts(job: TrainingJob): TrainingResult['conflicts'] {
  const known = [...job.examples, ...(job.score?.heldOut ?? [])].map((e) => ({ ...e, words: content(e.text) }));
  return job.added.flatMap((a) => {
    const w = content(a.text);
    let best: { example: Example; score: number } | undefined;
    for (const k of known) {
      if (k.intent === a.intent || !k.words.size || !w.size) continue;
      let shared = 0;
      for (const x of w) if (k.words.has(x)) shared++;
      // Most of the known sentence is in the added one, and most of the added one in it.
      const score = Math.min(shared / k.words.size, shared / w.size);
      if (score >= 0.6 && (!best || score > best.score)) best = { example: { text: k.text, intent: k.intent }, score };
    }
    return best ? [{ text: a.text, similar: best.example.text, intent: best.example.intent }] : [];
  });
}

export function runTrainingJob(job: TrainingJob): TrainingResult {
  const options = { entities: job.entities };
  const trained = IntentClassifier.train([...job.examples, ...job.added], options);
  if (!job.score) return { model: trained.toModel() };
  const { rules, heldOut } = job.score;
  const after = readings(rules, heldOut, trained);
  // Without additions, "before" is the same model.
  const before = job.added.length ? readings(rules, heldOut, IntentClassifier.train(job.examples, options)) : after;
  const share = (got: string[]) => Math.round((got.filter((g, i) => g === heldOut[i]?.intent).length / Math.max(1, heldOut.length)) * 10_000) / 10_000;
  return {
    model: trained.toModel(), before: share(before), after: share(after),
    broken: heldOut.flatMap((e, i) => (before[i] === e.intent && after[i] !== e.intent ? [{ text: e.text, intent: e.intent, now: after[i] ?? 'none' }] : [])),
    fixed: heldOut.flatMap((e, i) => (before[i] !== e.intent && after[i] === e.intent ? [{ text: e.text, intent: e.intent }] : [])),
    conflicts: conflicts(job),
  };
}

if (!isMainThread && parentPort) {
  parentPort.postMessage(runTrainingJob(workerData as TrainingJob));
}
