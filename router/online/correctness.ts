import type { PromptFeatures } from '../features/featurizer';
import type { KnnIndex } from '../learned/knn';
import { baseRates, UNKNOWN, type LabelMatrix } from '../learned/labels';
import { predictLogReg, type LogRegModel } from '../learned/logreg';
import { CorrectnessPredictor, type CorrectnessArtifact } from '../learned/predictor';
import type { TrainingExample } from '../train';
import { newExperts } from './skill';

// The learned router from new outcomes: each labelled prompt joins the kNN index (the newest
// MAX_KNN_ROWS are kept, so the index follows the traffic it serves and the artifact stays bounded),
// and each per-expert logistic regression takes one SGD step on it. An expert first seen in the
// history gets a row of its own, starting from a coin flip.

export const MAX_KNN_ROWS = 10_000;
/** Small: one step per feedback must not undo what thousands of recorded outcomes taught. */
export const ONLINE_LEARNING_RATE = 0.05;
export const ONLINE_L2 = 1e-4;

export function updateCorrectness(
  data: unknown,
  examples: readonly TrainingExample[],
  features: readonly PromptFeatures[],
  maxRows = MAX_KNN_ROWS,
): CorrectnessArtifact {
  const old = CorrectnessPredictor.fromArtifact(data);
  const experts = [...old.experts, ...newExperts(old.experts, examples)];
  const logreg = widenLogReg(old.logreg, experts);
  examples.forEach((x, i) => sgdStep(logreg, features[i]!, x));
  const knn = appendToIndex(old.knn, experts, examples, features, maxRows);
  return new CorrectnessPredictor(logreg, knn, old.knnOptions, old.blend).toArtifact();
}

function widenLogReg(model: LogRegModel, experts: readonly string[]): LogRegModel {
  const width = model.sparseDims + model.denseDims + 1;
  const weights = new Float32Array(experts.length * width);
  weights.set(model.weights);
  return { ...model, experts, weights };
}

function sgdStep(model: LogRegModel, f: PromptFeatures, x: TrainingExample): void {
  const width = model.sparseDims + model.denseDims + 1;
  const p = predictLogReg(model, f);
  model.experts.forEach((id, e) => {
    const o = x.outcomes[id];
    if (!o) return;
    const grad = p[e]! - (o.correct ? 1 : 0);
    const row = e * width;
    const w = model.weights;
    for (let j = 0; j < f.sparse.idx.length; j++) {
      const k = row + f.sparse.idx[j]!;
      w[k]! -= ONLINE_LEARNING_RATE * (grad * f.sparse.val[j]! + ONLINE_L2 * w[k]!);
    }
    for (let d = 0; d < model.denseDims; d++) {
      const k = row + model.sparseDims + d;
      w[k]! -= ONLINE_LEARNING_RATE * (grad * f.dense[d]! + ONLINE_L2 * w[k]!);
    }
    w[row + width - 1]! -= ONLINE_LEARNING_RATE * grad;
  });
}

function appendToIndex(
  index: KnnIndex,
  experts: readonly string[],
  examples: readonly TrainingExample[],
  features: readonly PromptFeatures[],
  maxRows: number,
): KnnIndex {
  const oldM = index.labels.experts.length;
  const m = experts.length;
  const total = index.labels.rows + examples.length;
  const dropped = Math.max(0, total - maxRows);
  const rows = total - dropped;
  const embeddings = new Float32Array(rows * index.dims);
  const values = new Int8Array(rows * m).fill(UNKNOWN);
  let r = 0;
  for (let old = dropped; old < index.labels.rows; old++, r++) {
    embeddings.set(index.embeddings.subarray(old * index.dims, (old + 1) * index.dims), r * index.dims);
    values.set(index.labels.values.subarray(old * oldM, (old + 1) * oldM), r * m);
  }
  examples.forEach((x, i) => {
    const at = index.labels.rows + i - dropped;
    if (at < 0) return;
    embeddings.set(features[i]!.dense, at * index.dims);
    experts.forEach((id, e) => {
      const o = x.outcomes[id];
      if (o) values[at * m + e] = o.correct ? 1 : 0;
    });
  });
  const labels: LabelMatrix = { experts, rows, values };
  return { dims: index.dims, embeddings, labels, baseRate: baseRates(labels) };
}
