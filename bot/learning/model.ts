import { IntentClassifier } from '../../knowledge/classifier';
import { factEntities } from '../../knowledge/entities';
import { loadHeldOut } from '../../knowledge/heldout';
import { examples } from '../../knowledge/utterances';
import type { Brain } from '../../rules';
import { Router } from '../../rules/router';
import type { IntentId } from '../../rules/schema';
import type { Logger } from '../logger';
import type { EventBus } from '../store/events';
import type { TrainingStore } from '../store/training';

export interface Assignment { before: number; after: number; flagged: boolean; applied: boolean }

/**
 * The classifier as the review inbox teaches it: the training utterances plus the sentences the lead
 * assigned (stored in the database), retrained off the request that asked for it and swapped into the
 * router, so the next message is classified with it. Other instances are told, and retrain from the
 * same stored sentences. An assignment that would lower accuracy on the held-out set is not applied
 * until the lead confirms it.
 */
export class Learning {
  private readonly heldOut = loadHeldOut();
  private retraining: Promise<void> = Promise.resolve();

  /** `brain`: the rules and knowledge serving now (a rules reload replaces them). */
  constructor(private readonly brain: () => Brain, private readonly training: TrainingStore, private readonly bus: EventBus, private readonly log: Logger) {}

  /** Trains with what was learned before this start, and follows what other instances learn. */
  async start(): Promise<void> {
    this.bus.on('model', () => { void this.retrain().catch((err: unknown) => this.log.error({ err }, 'retraining failed')); });
    if ((await this.training.examples()).length) await this.retrain();
  }

  private train(extra: Array<{ text: string; intent: IntentId }>): IntentClassifier {
    const { knowledge } = this.brain();
    return new IntentClassifier([...examples(knowledge.utterances), ...extra], { entities: factEntities(knowledge.facts) });
  }

  /** Share of the held-out set the router gets right with this classifier. */
  accuracy(classifier: IntentClassifier): number {
    const router = new Router(this.brain().rules, classifier);
    const right = this.heldOut.filter((e) => router.classify(e.text).intent === e.intent).length;
    return Math.round((right / this.heldOut.length) * 10_000) / 10_000;
  }

  /** Retrains from every stored sentence and serves the result; runs one at a time. */
  retrain(): Promise<void> {
    this.retraining = this.retraining.then(async () => {
      const added = (await this.training.examples()).map(({ text, intent }) => ({ text, intent }));
      // Training takes a few hundred milliseconds: let the request that asked for it be answered first.
      await new Promise((resolve) => setImmediate(resolve));
      this.brain().router.useClassifier(this.train(added));
      this.log.info({ sentences: added.length }, 'classifier retrained with the review inbox\'s sentences');
    });
    return this.retraining;
  }

  /**
   * Teaches `texts` as `intent`: held-out accuracy before and after; applied (stored, retrained here,
   * other instances told) unless it falls and `confirmed` is not set.
   */
  async assign(keys: string[], texts: string[], intent: IntentId, by: string, confirmed: boolean): Promise<Assignment> {
    const stored = (await this.training.examples()).map(({ text, intent: i }) => ({ text, intent: i }));
    const before = this.accuracy(this.train(stored));
    const after = this.accuracy(this.train([...stored, ...texts.map((text) => ({ text, intent }))]));
    const flagged = after < before;
    if (flagged && !confirmed) return { before, after, flagged, applied: false };
    await this.training.decide(keys, intent, texts, by);
    await this.retrain();
    await this.bus.publish('model', 'training').catch((err: unknown) => this.log.warn({ err }, 'could not tell other instances to retrain'));
    return { before, after, flagged, applied: true };
  }
}
