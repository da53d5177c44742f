import type { PromptFeatures } from '../features/featurizer';
import { seededRandom, shuffled } from '../features/random';
import { baseRates, UNKNOWN, type LabelMatrix } from './labels';

// One logistic regression per expert over the shared prompt features (TF-IDF terms + LSA
// embedding + bias), trained together with AdaGrad: P(expert answers this prompt correctly).

export interface LogRegModel {
  experts: readonly string[];
  sparseDims: number;
  denseDims: number;
  /** experts × (sparseDims + denseDims + 1), row-major; the last column is the bias. */
  weights: Float32Array;
}

export interface LogRegOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
}

// Tuned by 5-fold CV on the dev split: stronger settings over-fit the ~6k sparse terms.
export const DEFAULT_LOGREG_OPTIONS: LogRegOptions = { epochs: 4, learningRate: 0.02, l2: 1e-2, seed: 11 };

export function trainLogReg(
  features: readonly PromptFeatures[],
  labels: LabelMatrix,
  sparseDims: number,
  opts: LogRegOptions = DEFAULT_LOGREG_OPTIONS,
): LogRegModel {
  const denseDims = features[0]?.dense.length ?? 0;
  const width = sparseDims + denseDims + 1;
  const m = labels.experts.length;
  const weights = new Float32Array(m * width);
  const g2 = new Float32Array(m * width).fill(1e-6);
  // Start each bias at the expert's base rate so the epochs learn the prompt-specific part.
  baseRates(labels).forEach((rate, e) => (weights[e * width + width - 1] = Math.log(rate / (1 - rate))));
  const rand = seededRandom(opts.seed);
  const order = [...features.keys()];
  const { learningRate: lr, l2 } = opts;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (const i of shuffled(order, rand)) {
      const f = features[i]!;
      for (let e = 0; e < m; e++) {
        const y = labels.values[i * m + e]!;
        if (y === UNKNOWN) continue;
        const row = e * width;
        const grad = sigmoid(logit(weights, row, f, sparseDims, denseDims)) - y;
        for (let j = 0; j < f.sparse.idx.length; j++) {
          const k = row + f.sparse.idx[j]!;
          const g = grad * f.sparse.val[j]! + l2 * weights[k]!;
          g2[k]! += g * g;
          weights[k]! -= (lr * g) / Math.sqrt(g2[k]!);
        }
        for (let d = 0; d <= denseDims; d++) {
          const k = row + sparseDims + d;
          const g = d < denseDims ? grad * f.dense[d]! + l2 * weights[k]! : grad;
          g2[k]! += g * g;
          weights[k]! -= (lr * g) / Math.sqrt(g2[k]!);
        }
      }
    }
  }
  return { experts: labels.experts, sparseDims, denseDims, weights };
}

/** P(correct) per expert of the model, in `model.experts` order. */
export function predictLogReg(model: LogRegModel, f: PromptFeatures): Float64Array {
  const width = model.sparseDims + model.denseDims + 1;
  const out = new Float64Array(model.experts.length);
  for (let e = 0; e < out.length; e++) out[e] = sigmoid(logit(model.weights, e * width, f, model.sparseDims, model.denseDims));
  return out;
}

function logit(w: Float32Array, row: number, f: PromptFeatures, sparseDims: number, denseDims: number): number {
  let z = w[row + sparseDims + denseDims]!;
  for (let j = 0; j < f.sparse.idx.length; j++) z += w[row + f.sparse.idx[j]!]! * f.sparse.val[j]!;
  for (let d = 0; d < denseDims; d++) z += w[row + sparseDims + d]! * f.dense[d]!;
  return z;
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** The inverse of sigmoid, clamped so a certain 0 or 1 stays finite. */
export function logitOf(p: number): number {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
}
