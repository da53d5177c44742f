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

/** The `k` most similar rows, best first: one tight scan of dot products, then a partial selection. */
export function nearest(index: KnnIndex, query: Float32Array, k: number): { row: number; sim: number }[] {
  const count = index.labels.rows;
  const sims = new Float32Array(count);
  for (let r = 0; r < count; r++) sims[r] = dot(index.embeddings, r * index.dims, query, index.dims);
  // The k-th largest similarity as a threshold, then only rows above it are sorted.
  const threshold = count > k ? kthLargest(Float32Array.from(sims), k) : -Infinity;
  const best: { row: number; sim: number }[] = [];
  for (let r = 0; r < count; r++) if (sims[r]! >= threshold) best.push({ row: r, sim: sims[r]! });
  return best.sort((a, b) => b.sim - a.sim || a.row - b.row).slice(0, k);
}

/** rows[offset …] · query, four lanes at a time (a quarter faster than one accumulator: the scan is most of a decision). */
function dot(rows: Float32Array, offset: number, query: Float32Array, dims: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d = 0;
  for (; d + 3 < dims; d += 4) {
    s0 += rows[offset + d]! * query[d]!;
    s1 += rows[offset + d + 1]! * query[d + 1]!;
    s2 += rows[offset + d + 2]! * query[d + 2]!;
    s3 += rows[offset + d + 3]! * query[d + 3]!;
  }
  for (; d < dims; d++) s0 += rows[offset + d]! * query[d]!;
  return s0 + s1 + s2 + s3;
}

/** Quickselect (Hoare), in place. */
function kthLargest(values: Float32Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! > pivot) i++;
      while (values[j]! < pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return values[target]!;
}
