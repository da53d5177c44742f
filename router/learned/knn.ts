import type { PromptFeatures } from '../features/featurizer';
import { baseRates, UNKNOWN, type LabelMatrix } from './labels';

// Similarity-weighted kNN over past prompts (RouteLLM's sw-ranking / RouterRetriever): an expert's
// P(correct) is its record on the most similar past prompts, weighted by exp((sim - 1) / τ) and
// shrunk towards its overall rate so a few neighbours cannot swing it to 0 or 1.

export interface KnnIndex {
  dims: number;
  /** count × dims, L2-normalised embeddings of the past prompts. */
  embeddings: Float32Array;
  labels: LabelMatrix;
  baseRate: Float64Array;
}

export interface KnnOptions {
  neighbours: number;
  temperature: number;
  /** Weight of the prior, in units of a perfectly similar neighbour. */
  priorWeight: number;
}

export const DEFAULT_KNN_OPTIONS: KnnOptions = { neighbours: 40, temperature: 0.1, priorWeight: 3 };

export function buildKnnIndex(features: readonly PromptFeatures[], labels: LabelMatrix): KnnIndex {
  const dims = features[0]?.dense.length ?? 0;
  const embeddings = new Float32Array(features.length * dims);
  features.forEach((f, i) => embeddings.set(f.dense, i * dims));
  return { dims, embeddings, labels, baseRate: baseRates(labels) };
}

export function predictKnn(index: KnnIndex, f: PromptFeatures, opts: KnnOptions = DEFAULT_KNN_OPTIONS): Float64Array {
  const m = index.labels.experts.length;
  const correct = new Float64Array(m);
  const weight = new Float64Array(m);
  for (const { row, sim } of nearest(index, f.dense, opts.neighbours)) {
    const w = Math.exp((sim - 1) / opts.temperature);
    for (let e = 0; e < m; e++) {
      const y = index.labels.values[row * m + e]!;
      if (y === UNKNOWN) continue;
      weight[e]! += w;
      correct[e]! += w * y;
    }
  }
  return correct.map((c, e) => (c + opts.priorWeight * index.baseRate[e]!) / (weight[e]! + opts.priorWeight));
}

/** The `k` most similar rows, best first (a scan: a few thousand 48-d dot products are ~0.1 ms). */
export function nearest(index: KnnIndex, query: Float32Array, k: number): { row: number; sim: number }[] {
  const count = index.labels.rows;
  const best: { row: number; sim: number }[] = [];
  for (let r = 0; r < count; r++) {
    let sim = 0;
    const o = r * index.dims;
    for (let d = 0; d < index.dims; d++) sim += index.embeddings[o + d]! * query[d]!;
    if (best.length === k && sim <= best[k - 1]!.sim) continue;
    let i = best.length < k ? best.push({ row: r, sim }) - 1 : k - 1;
    while (i > 0 && best[i - 1]!.sim < sim) {
      best[i] = best[i - 1]!;
      i--;
    }
    best[i] = { row: r, sim };
  }
  return best;
}
