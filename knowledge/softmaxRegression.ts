import { seededRandom } from './seededRandom';

interface RegressionOptions { epochs?: number; rate?: number; l2?: number; seed?: number }

/** A trained model's numbers: one row of weights per feature (`labels` long, flattened), and the biases. */
export interface RegressionParameters<Label extends string> {
  labels: Label[];
  features: string[];
  weights: Float64Array;
  bias: Float64Array;
}

/**
 * Multinomial logistic regression over sparse binary features, trained by stochastic gradient descent in a
 * seeded order (the same model on every start). Naive Bayes treats every word as independent evidence;
 * this weighs words against each other ("domain" says little once "how many" is there), and the mix of
 * the two beats either on cross-validation. natural's LogisticRegressionClassifier fits one-vs-rest
 * models over dense matrices, far too slow to train at start-up on this vocabulary.
 */
export class SoftmaxRegression<Label extends string> {
  private constructor(
    readonly labels: readonly Label[],
    private readonly weights: Map<string, Float64Array>,
    private readonly bias: Float64Array,
  ) {}

  static train<Label extends string>(
    labels: readonly Label[],
    documents: ReadonlyArray<{ features: readonly string[]; label: Label }>,
    { epochs = 20, rate = 1, l2 = 1e-5, seed = 1 }: RegressionOptions = {},
  ): SoftmaxRegression<Label> {
    const model = new SoftmaxRegression(labels, new Map(), new Float64Array(labels.length));
    const { bias } = model;
    const index = new Map<string, number>(labels.map((l, i) => [l, i]));
    // Each document's weight rows are looked up once, not on every pass.
    const docs = documents.map((d) => ({ rows: [...new Set(d.features)].map((f) => model.row(f)), label: index.get(d.label) ?? -1 }))
      .filter((d) => d.label >= 0 && d.rows.length > 0);
    const random = seededRandom(seed);
    for (let epoch = 0; epoch < epochs; epoch++) {
      shuffle(docs, random);
      const step = rate / (1 + epoch * 0.1);
      for (const d of docs) {
        const scale = 1 / Math.sqrt(d.rows.length);
        const p = model.softmax(d.rows, scale);
        for (let k = 0; k < p.length; k++) {
          const gradient = (p[k] ?? 0) - (k === d.label ? 1 : 0);
          bias[k] = (bias[k] ?? 0) - step * gradient;
          for (const w of d.rows) w[k] = (w[k] ?? 0) - step * (gradient * scale + l2 * (w[k] ?? 0));
        }
      }
    }
    return model;
  }

  /** The model as plain numbers, to be sent elsewhere (a worker thread trains, the server classifies). */
  parameters(): RegressionParameters<Label> {
    const n = this.labels.length;
    const features = [...this.weights.keys()];
    const weights = new Float64Array(features.length * n);
    features.forEach((f, i) => weights.set(this.weights.get(f) ?? [], i * n));
    return { labels: [...this.labels], features, weights, bias: Float64Array.from(this.bias) };
  }

  static fromParameters<Label extends string>(p: RegressionParameters<Label>): SoftmaxRegression<Label> {
    const n = p.labels.length;
    if (p.bias.length !== n || p.weights.length !== p.features.length * n) throw new Error('regression parameters do not fit together');
    return new SoftmaxRegression(p.labels, new Map(p.features.map((f, i) => [f, p.weights.subarray(i * n, (i + 1) * n)])), p.bias);
  }

  /** log P(label | features) for every label, in `labels` order. Unknown features are ignored. */
  logProbabilities(features: readonly string[]): number[] {
    const rows = [...new Set(features)].flatMap((f) => this.weights.get(f) ?? []);
    const p = this.softmax(rows, rows.length ? 1 / Math.sqrt(rows.length) : 0);
    return [...p].map((x) => Math.log(Math.max(x, Number.MIN_VALUE)));
  }

  private row(feature: string): Float64Array {
    let w = this.weights.get(feature);
    if (!w) { w = new Float64Array(this.labels.length); this.weights.set(feature, w); }
    return w;
  }

  /** Softmax of bias + scaled weight sums; scaling by 1/√n keeps long messages from being over-confident. */
  private softmax(rows: readonly Float64Array[], scale: number): Float64Array {
    const z = Float64Array.from(this.bias);
    for (const w of rows) for (let k = 0; k < z.length; k++) z[k] = (z[k] ?? 0) + (w[k] ?? 0) * scale;
    let max = -Infinity;
    for (const v of z) max = Math.max(max, v);
    let sum = 0;
    for (let k = 0; k < z.length; k++) { z[k] = Math.exp((z[k] ?? 0) - max); sum += z[k] ?? 0; }
    for (let k = 0; k < z.length; k++) z[k] = (z[k] ?? 0) / sum;
    return z;
  }
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}
