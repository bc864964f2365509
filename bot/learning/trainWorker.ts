// A worker thread's entry: trains one classifier (and scores it on the held-out set) off the server's
// event loop, and posts the model back as plain data. Training takes a few hundred milliseconds, which
// the server's customers would otherwise wait through.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { IntentClassifier } from '../../knowledge/classifier';
import { Router } from '../../rules/router';
import type { TrainingJob, TrainingResult } from './trainer';

/** Share of `heldOut` the router gets right with `classifier`, to 4 decimals. */
function accuracy(job: TrainingJob, classifier: IntentClassifier): number | undefined {
  if (!job.score) return undefined;
  const router = new Router(job.score.rules, classifier);
  const right = job.score.heldOut.filter((e) => router.classify(e.text).intent === e.intent).length;
  return Math.round((right / Math.max(1, job.score.heldOut.length)) * 10_000) / 10_000;
}

export function runTrainingJob(job: TrainingJob): TrainingResult {
  const options = { entities: job.entities };
  const trained = IntentClassifier.train([...job.examples, ...job.added], options);
  const after = accuracy(job, trained);
  // Without additions, "before" is the same model.
  const before = job.added.length ? accuracy(job, IntentClassifier.train(job.examples, options)) : after;
  return { model: trained.toModel(), ...(before !== undefined && after !== undefined ? { before, after } : {}) };
}

if (!isMainThread && parentPort) {
  parentPort.postMessage(runTrainingJob(workerData as TrainingJob));
}
