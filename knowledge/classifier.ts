import BayesClassifier from 'natural/lib/natural/classifiers/bayes_classifier';
import type { IntentId } from '../rules/schema';
import { EntityTagger, type EntityList } from './entities';
import { SoftmaxRegression } from './softmaxRegression';
import { SpellingCorrector } from './spelling';
import { Featurizer, withBigrams, words } from './textFeatures';

export interface ScoredIntent { intent: IntentId; score: number }
export interface Classification {
  intent: IntentId;
  confidence: number;
  ranked: ScoredIntent[];
  /** Share of the message's content words the training has seen (0..1): low for off-topic messages. */
  coverage: number;
}

export interface ClassifierOptions {
  /** Names read as one placeholder word (knowledge/entities.ts). */
  entities?: EntityList[];
  /** Divides the Bayes log-scores before the softmax: below 1 sharpens, above 1 flattens. */
  temperature?: number;
  /** Lidstone smoothing of the Bayes word counts. */
  smoothing?: number;
  /** Weight of Bayes in the mix of log-probabilities; the logistic regression gets the rest. */
  bayesWeight?: number;
}

/**
 * Two models over the same features (stems and stem bigrams, typos corrected, listed names as
 * placeholders): natural's naive Bayes, and a softmax regression. The score is a weighted mix of their
 * log-probabilities, renormalised to probabilities that sum to 1. `none` is an ordinary class trained on
 * out-of-scope examples; a message with no known feature at all is `none` outright.
 *
 * The mix and temperature were chosen with the reject thresholds by `npm run tune` (repeated 5-fold
 * cross-validation over the training utterances). Lidstone smoothing 0.1: natural's default of 1 drowns
 * short messages in unseen-feature mass.
 */
export class IntentClassifier {
  private readonly bayes: BayesClassifier;
  private readonly regression: SoftmaxRegression<IntentId>;
  private readonly vocabulary = new Set<string>();
  private readonly featurizer: Featurizer;
  private readonly temperature: number;
  private readonly bayesWeight: number;

  constructor(examples: Iterable<{ text: string; intent: IntentId }>, options: ClassifierOptions = {}) {
    const { entities = [], temperature = 0.5, smoothing = 0.1, bayesWeight = 0.2 } = options;
    this.temperature = temperature;
    this.bayesWeight = bayesWeight;
    const list = [...examples];
    const tagger = new EntityTagger(entities);
    const spelling = new SpellingCorrector([...list.flatMap((e) => words(e.text)), ...tagger.words()]);
    // A word the training never saw, one edit from a word it did ("pasword", "lgoin"), is read as that word.
    const correct = (word: string) => (word.length < 4 || /\d/.test(word) ? word : spelling.correct(word));
    this.featurizer = new Featurizer({ correct, entities: tagger });

    this.bayes = new BayesClassifier(undefined, smoothing);
    const documents: Array<{ features: string[]; label: IntentId }> = [];
    for (const { text, intent } of list) {
      const features = this.featurizer.features(text);
      if (features.length === 0) continue;
      features.forEach((x) => this.vocabulary.add(x));
      this.bayes.addDocument(features, intent);
      documents.push({ features, label: intent });
    }
    this.bayes.train();
    this.regression = new SoftmaxRegression([...new Set(documents.map((d) => d.label))], documents);
  }

  classify(text: string): Classification {
    const content = this.featurizer.stems(text);
    const coverage = content.length ? content.filter((x) => this.vocabulary.has(x)).length / content.length : 0;
    const features = withBigrams(content).filter((x) => this.vocabulary.has(x));
    if (features.length === 0) return { intent: 'none', confidence: 1, ranked: [{ intent: 'none', score: 1 }], coverage };
    const labels = this.regression.labels;
    const bayesScores = new Map(this.bayes.getClassifications(features).map((r) => [r.label, r.value]));
    const bayes = logSoftmax(labels.map((l) => Math.log(Math.max(bayesScores.get(l) ?? 0, Number.MIN_VALUE)) / this.temperature));
    const regression = this.regression.logProbabilities(features);
    const mixed = logSoftmax(labels.map((_, k) => this.bayesWeight * (bayes[k] ?? 0) + (1 - this.bayesWeight) * (regression[k] ?? 0)));
    const ranked = labels.map((l, k) => ({ intent: l, score: Math.exp(mixed[k] ?? -Infinity) }))
      .sort((a, b) => b.score - a.score);
    const top = ranked[0] ?? { intent: 'none' as const, score: 1 };
    return { intent: top.intent, confidence: top.score, ranked, coverage };
  }
}

function logSoftmax(scores: number[]): number[] {
  const max = Math.max(...scores);
  const log = Math.log(scores.reduce((sum, s) => sum + Math.exp(s - max), 0));
  return scores.map((s) => s - max - log);
}
