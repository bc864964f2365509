import BayesClassifier from 'natural/lib/natural/classifiers/bayes_classifier';
import type { IntentId } from '../rules/schema';
import { EntityTagger, type EntityList } from './entities';
import { SoftmaxRegression, type RegressionParameters } from './softmaxRegression';
import { SpellingCorrector } from './spelling';
import { Featurizer, withBigrams, words as textWords } from './textFeatures';

export interface ScoredIntent { intent: IntentId; score: number }
export interface Classification {
  intent: IntentId;
  confidence: number;
  ranked: ScoredIntent[];
  /** Share of the message's content words the training has seen (0..1): low for off-topic messages. */
  coverage: number;
}

/**
 * A trained classifier as plain data. `words`: the training sentences' words, the spelling corrector's
 * vocabulary; `bayes`: natural's classifier as JSON.
 */
export interface ClassifierModel {
  words: string[];
  temperature: number;
  bayesWeight: number;
  bayes: string;
  regression: RegressionParameters<IntentId>;
  vocabulary: string[];
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
  private constructor(
    private readonly model: Pick<ClassifierModel, 'words' | 'temperature' | 'bayesWeight'>,
    private readonly bayes: BayesClassifier,
    private readonly regression: SoftmaxRegression<IntentId>,
    private readonly vocabulary: ReadonlySet<string>,
    private readonly featurizer: Featurizer,
  ) {}

  static train(examples: Iterable<{ text: string; intent: IntentId }>, options: ClassifierOptions = {}): IntentClassifier {
    const { entities = [], temperature = 0.5, smoothing = 0.1, bayesWeight = 0.2 } = options;
    const list = [...examples];
    const words = list.flatMap((e) => textWords(e.text));
    const featurizer = featurizerFor(words, entities);
    const bayes = new BayesClassifier(undefined, smoothing);
    const vocabulary = new Set<string>();
    const documents: Array<{ features: string[]; label: IntentId }> = [];
    for (const { text, intent } of list) {
      const features = featurizer.features(text);
      if (features.length === 0) continue;
      features.forEach((x) => vocabulary.add(x));
      bayes.addDocument(features, intent);
      documents.push({ features, label: intent });
    }
    bayes.train();
    const regression = SoftmaxRegression.train([...new Set(documents.map((d) => d.label))], documents);
    return new IntentClassifier({ words, temperature, bayesWeight }, bayes, regression, vocabulary, featurizer);
  }

  /** The trained model as plain data (structured-cloneable): a worker thread trains, the server restores. */
  toModel(): ClassifierModel {
    return { ...this.model, bayes: JSON.stringify(this.bayes), regression: this.regression.parameters(), vocabulary: [...this.vocabulary] };
  }

  /** A classifier from `toModel`'s data; `entities` must be the ones it was trained with. */
  static fromModel(model: ClassifierModel, entities: EntityList[] = []): IntentClassifier {
    const bayes = BayesClassifier.restore(JSON.parse(model.bayes) as Record<string, unknown>);
    return new IntentClassifier(model, bayes, SoftmaxRegression.fromParameters(model.regression), new Set(model.vocabulary), featurizerFor(model.words, entities));
  }

  classify(text: string): Classification {
    const content = this.featurizer.stems(text);
    const coverage = content.length ? content.filter((x) => this.vocabulary.has(x)).length / content.length : 0;
    const features = withBigrams(content).filter((x) => this.vocabulary.has(x));
    if (features.length === 0) return { intent: 'none', confidence: 1, ranked: [{ intent: 'none', score: 1 }], coverage };
    const labels = this.regression.labels;
    const bayesScores = new Map(this.bayes.getClassifications(features).map((r) => [r.label, r.value]));
    const bayes = logSoftmax(labels.map((l) => Math.log(Math.max(bayesScores.get(l) ?? 0, Number.MIN_VALUE)) / this.model.temperature));
    const regression = this.regression.logProbabilities(features);
    const mixed = logSoftmax(labels.map((_, k) => this.model.bayesWeight * (bayes[k] ?? 0) + (1 - this.model.bayesWeight) * (regression[k] ?? 0)));
    const ranked = labels.map((l, k) => ({ intent: l, score: Math.exp(mixed[k] ?? -Infinity) }))
      .sort((a, b) => b.score - a.score);
    const top = ranked[0] ?? { intent: 'none' as const, score: 1 };
    return { intent: top.intent, confidence: top.score, ranked, coverage };
  }
}

/** Features as training saw them: a word the training never saw, one edit from one it did, is read as that word. */
function featurizerFor(words: string[], entities: EntityList[]): Featurizer {
  const tagger = new EntityTagger(entities);
  const spelling = new SpellingCorrector([...words, ...tagger.words()]);
  // "pasword", "lgoin"; short words and anything with a digit are left alone.
  const correct = (word: string) => (word.length < 4 || /\d/.test(word) ? word : spelling.correct(word));
  return new Featurizer({ correct, entities: tagger });
}

function logSoftmax(scores: number[]): number[] {
  const max = Math.max(...scores);
  const log = Math.log(scores.reduce((sum, s) => sum + Math.exp(s - max), 0));
  return scores.map((s) => s - max - log);
}
