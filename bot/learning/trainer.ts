import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import type { ClassifierModel } from '../../knowledge/classifier';
import type { EntityList } from '../../knowledge/entities';
import type { RouterRules } from '../../rules/router';
import { IntentIdSchema, type IntentId } from '../../rules/schema';
import { workerFile } from '../workerFile';

export interface Example { text: string; intent: IntentId }

/**
 * One model to train: on `examples` plus `added`. With `score`, the router's held-out accuracy is
 * measured before (`examples` alone) and after (with `added`).
 */
export interface TrainingJob {
  examples: Example[];
  added: Example[];
  entities: EntityList[];
  score?: { rules: RouterRules; heldOut: Example[] };
}

export interface TrainingResult {
  model: ClassifierModel;
  /** With `score`: the held-out accuracy before and after, the sentences that changed, and near-repeats of known sentences of another intent. */
  before?: number;
  after?: number;
  broken?: Array<Example & { now: string }>;
  fixed?: Example[];
  conflicts?: Array<{ text: string; similar: string; intent: string }>;
}

export type Trainer = (job: TrainingJob) => Promise<TrainingResult>;

// By tag, not instanceof: under jest a structured clone arrives from another realm's Float64Array.
const Float64 = z.custom<Float64Array>((v) => Object.prototype.toString.call(v) === '[object Float64Array]', 'expected a Float64Array');

const ResultSchema = z.object({
  model: z.object({
    words: z.array(z.string()),
    temperature: z.number(),
    bayesWeight: z.number(),
    bayes: z.string(),
    regression: z.object({ labels: z.array(IntentIdSchema), features: z.array(z.string()), weights: Float64, bias: Float64 }),
    vocabulary: z.array(z.string()),
  }),
  before: z.number().min(0).max(1).optional(),
  after: z.number().min(0).max(1).optional(),
  broken: z.array(z.object({ text: z.string(), intent: IntentIdSchema, now: z.string() })).optional(),
  fixed: z.array(z.object({ text: z.string(), intent: IntentIdSchema })).optional(),
  conflicts: z.array(z.object({ text: z.string(), similar: z.string(), intent: z.string() })).optional(),
});

/**
 * Trains in a worker thread of its own, one per job: the server's event loop keeps answering customers
 * meanwhile, and nothing of a finished training stays in memory but the model.
 */
export function workerTrainer({ timeoutMs = 120_000, heapMb = 512 }: { timeoutMs?: number; heapMb?: number } = {}): Trainer {
  return (job) => new Promise<TrainingResult>((resolve, reject) => {
    const worker = new Worker(workerFile('learning/trainWorker'), { workerData: job, resourceLimits: { maxOldGenerationSizeMb: heapMb } });
    const timer = setTimeout(() => { void worker.terminate(); reject(new Error(`training took longer than ${timeoutMs / 1000} s`)); }, timeoutMs);
    const settle = () => clearTimeout(timer);
    worker.once('message', (message: unknown) => {
      settle();
      const parsed = ResultSchema.safeParse(message);
      if (parsed.success) resolve(parsed.data); else reject(new Error(`the trainer sent back no model: ${parsed.error.message}`));
    });
    worker.once('error', (err) => { settle(); reject(err); });
    worker.once('exit', (code) => { settle(); reject(new Error(`the trainer stopped (exit code ${code}) without a model`)); });
  });
}
