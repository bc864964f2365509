import { IntentClassifier } from '../../knowledge/classifier';
import { factEntities } from '../../knowledge/entities';
import { loadHeldOut } from '../../knowledge/heldout';
import { examples } from '../../knowledge/utterances';
import type { Brain, BrainSources } from '../../rules';
import { Router, routerRules } from '../../rules/router';
import type { IntentId } from '../../rules/schema';
import type { Logger } from '../logger';
import type { EventBus } from '../store/events';
import type { TrainingStore } from '../store/training';
import { workerTrainer, type Example, type Trainer } from './trainer';

export interface Assignment {
  before: number;
  after: number;
  /** Held-out sentences this would make wrong, and right. */
  broken: Array<{ text: string; intent: string; now: string }>;
  fixed: Array<{ text: string; intent: string }>;
  /** Added sentences that nearly repeat a known sentence of another intent. */
  conflicts: Array<{ text: string; similar: string; intent: string }>;
  flagged: boolean;
  applied: boolean;
}

/** Assignments waiting for the trainer: each is a worker thread's work, so only a few may queue. */
export const MAX_QUEUED_ASSIGNMENTS = 4;

export class TrainerBusy extends Error {}
/** The group was decided by another assignment (here, or on another instance) first. */
export class AlreadyDecided extends Error {}

export interface LearningOptions {
  /** The rules and knowledge serving now. */
  brain: () => Brain;
  /** Puts a brain (new rules, or a retrained router) into service. */
  serve: (brain: Brain) => void;
  training: TrainingStore;
  bus: EventBus;
  log: Logger;
  trainer?: Trainer;
}

/**
 * The classifier as the review inbox teaches it: the training utterances plus the sentences the lead
 * assigned (stored in the database). Every model is trained in a worker thread and swapped into the
 * router, so the next message is classified with it and no customer waits on training. Other instances
 * are told, and retrain from the same stored sentences. An assignment that nearly repeats a sentence known
 * under another topic, or loses more than one held-out sentence, is not applied until the lead confirms it.
 *
 * Trainings, rules reloads and assignments run one at a time, so a model trained on old rules or without
 * a just-stored sentence never replaces a newer one.
 */
export class Learning {
  private readonly heldOut = loadHeldOut();
  private readonly trainer: Trainer;
  private queue: Promise<unknown> = Promise.resolve();
  private queuedAssignments = 0;

  constructor(private readonly o: LearningOptions) {
    this.trainer = o.trainer ?? workerTrainer();
  }

  /** Trains with what was learned before this start, and follows what other instances learn. */
  async start(): Promise<void> {
    this.o.bus.on('model', () => { void this.retrain().catch((err: unknown) => this.o.log.error({ err }, 'retraining failed')); });
    if ((await this.o.training.examples()).length) await this.retrain();
  }

  private serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async stored(): Promise<Example[]> {
    return (await this.o.training.examples()).map(({ text, intent }) => ({ text, intent }));
  }

  private async classifier(sources: BrainSources): Promise<IntentClassifier> {
    const entities = factEntities(sources.knowledge.facts);
    const { model } = await this.trainer({ examples: [...examples(sources.knowledge.utterances), ...await this.stored()], added: [], entities });
    return IntentClassifier.fromModel(model, entities);
  }

  /** Retrains from every stored sentence and serves the result. */
  retrain(): Promise<void> {
    return this.serial(async () => {
      const brain = this.o.brain();
      brain.router.useClassifier(await this.classifier(brain));
      this.o.log.info('classifier retrained with the review inbox\'s sentences');
    });
  }

  /** Serves new rules and knowledge, with a classifier trained on them and on every stored sentence. */
  reload(sources: BrainSources): Promise<Brain> {
    return this.serial(async () => {
      const brain = { ...sources, router: new Router(sources.rules, await this.classifier(sources)) };
      this.o.serve(brain);
      return brain;
    });
  }

  /** Takes a decision back (by who and when it was made); retrains here and tells the other instances. False if there was none. */
  undo(by: string, at: string): Promise<boolean> {
    return this.serial(async () => {
      if (!(await this.o.training.undo(by, at))) return false;
      const brain = this.o.brain();
      brain.router.useClassifier(await this.classifier(brain));
      await this.o.bus.publish('model', 'training').catch((err: unknown) => this.o.log.warn({ err }, 'could not tell other instances to retrain'));
      return true;
    });
  }

  /**
   * Teaches `texts` as `intent`: held-out accuracy before and after, sentence by sentence; applied (stored,
   * served here, other instances told) unless it is flagged and `confirmed` is not set.
   */
  assign(keys: string[], texts: string[], intent: IntentId, by: string, confirmed: boolean): Promise<Assignment> {
    if (this.queuedAssignments >= MAX_QUEUED_ASSIGNMENTS) return Promise.reject(new TrainerBusy(`${this.queuedAssignments} assignments are already training`));
    this.queuedAssignments++;
    const done = () => { this.queuedAssignments--; };
    const run = this.serial(async () => {
      const decided = await this.o.training.decidedKeys();
      if (keys.every((k) => decided.has(k))) throw new AlreadyDecided('already decided');
      const brain = this.o.brain();
      const entities = factEntities(brain.knowledge.facts);
      const { model, before = 0, after = 0, broken = [], fixed = [], conflicts = [] } = await this.trainer({
        examples: [...examples(brain.knowledge.utterances), ...await this.stored()],
        added: texts.map((text) => ({ text, intent })),
        entities,
        score: { rules: routerRules(brain.rules), heldOut: this.heldOut },
      });
      // One held-out sentence flipping either way is within what retraining alone moves; more than one
      // lost, or a sentence that contradicts what is known, is for the lead to confirm.
      const flagged = broken.length - fixed.length >= 2 || conflicts.length > 0;
      const result = { before, after, broken, fixed, conflicts, flagged };
      if (flagged && !confirmed) return { ...result, applied: false };
      if (!(await this.o.training.decide(keys, intent, texts, by))) throw new AlreadyDecided('decided meanwhile');
      brain.router.useClassifier(IntentClassifier.fromModel(model, entities));
      await this.o.bus.publish('model', 'training').catch((err: unknown) => this.o.log.warn({ err }, 'could not tell other instances to retrain'));
      return { ...result, applied: true };
    });
    run.then(done, done);
    return run;
  }
}
