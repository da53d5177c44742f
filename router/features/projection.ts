import { gaussian, seededRandom } from './random';
import type { SparseVector } from './vocabulary';

// Latent semantic analysis: a randomized truncated SVD (Halko et al. 2011) of the training TF-IDF
// matrix gives a small dense embedding of any prompt. kNN, the bandit and the learned router's
// dense features use it: cosine in 32-64 dimensions is cheap enough to scan every past prompt per
// request, which a sparse scan over thousands of terms would not be.

export interface Projection {
  /** Vocabulary size (rows of `matrix`). */
  terms: number;
  dims: number;
  /** terms × dims, row-major: embedding = tfidfᵀ · matrix. */
  matrix: Float32Array;
}

export function fitProjection(rows: readonly SparseVector[], terms: number, dims: number, seed: number): Projection {
  const l = dims + 10;
  const normal = gaussian(seededRandom(seed));
  const omega = Float64Array.from({ length: terms * l }, normal);
  let q = orthonormalColumns(timesDense(rows, omega, l), rows.length, l);
  for (let iter = 0; iter < 2; iter++) {
    const z = orthonormalColumns(transposeTimes(rows, q, terms, l), terms, l);
    q = orthonormalColumns(timesDense(rows, z, l), rows.length, l);
  }
  // B = Qᵀ X, kept transposed (terms × l); its small Gram matrix gives the right singular vectors.
  const bt = transposeTimes(rows, q, terms, l);
  const gram = new Float64Array(l * l);
  for (let t = 0; t < terms; t++) {
    const o = t * l;
    for (let a = 0; a < l; a++) for (let b = a; b < l; b++) gram[a * l + b]! += bt[o + a]! * bt[o + b]!;
  }
  for (let a = 0; a < l; a++) for (let b = 0; b < a; b++) gram[a * l + b] = gram[b * l + a]!;
  const { values, vectors } = symmetricEigen(gram, l);
  const order = [...values.keys()].sort((a, b) => values[b]! - values[a]!).slice(0, dims);
  const matrix = new Float32Array(terms * dims);
  order.forEach((e, d) => {
    const sigma = Math.sqrt(Math.max(values[e]!, 1e-12));
    for (let t = 0; t < terms; t++) {
      let s = 0;
      for (let a = 0; a < l; a++) s += bt[t * l + a]! * vectors[a * l + e]!;
      matrix[t * dims + d] = s / sigma;
    }
  });
  return { terms, dims, matrix };
}

/** The L2-normalised embedding of a TF-IDF vector. */
export function embed(v: SparseVector, p: Projection): Float32Array {
  const out = new Float32Array(p.dims);
  for (let j = 0; j < v.idx.length; j++) {
    const o = v.idx[j]! * p.dims;
    const w = v.val[j]!;
    for (let d = 0; d < p.dims; d++) out[d] = out[d]! + w * p.matrix[o + d]!;
  }
  let norm = 0;
  for (let d = 0; d < p.dims; d++) norm += out[d]! * out[d]!;
  norm = Math.sqrt(norm) || 1;
  for (let d = 0; d < p.dims; d++) out[d] = out[d]! / norm;
  return out;
}

/** X · M for sparse rows X and a dense (terms × cols) M. */
function timesDense(rows: readonly SparseVector[], m: Float64Array, cols: number): Float64Array {
  const out = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => {
    for (let j = 0; j < r.idx.length; j++) {
      const o = r.idx[j]! * cols;
      const w = r.val[j]!;
      for (let c = 0; c < cols; c++) out[i * cols + c]! += w * m[o + c]!;
    }
  });
  return out;
}

/** Xᵀ · Q for sparse rows X and a dense (rows × cols) Q. */
function transposeTimes(rows: readonly SparseVector[], q: Float64Array, terms: number, cols: number): Float64Array {
  const out = new Float64Array(terms * cols);
  rows.forEach((r, i) => {
    for (let j = 0; j < r.idx.length; j++) {
      const o = r.idx[j]! * cols;
      const w = r.val[j]!;
      for (let c = 0; c < cols; c++) out[o + c]! += w * q[i * cols + c]!;
    }
  });
  return out;
}

/** Modified Gram-Schmidt on the columns of a row-major (n × cols) matrix, in place. */
function orthonormalColumns(m: Float64Array, n: number, cols: number): Float64Array {
  for (let c = 0; c < cols; c++) {
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += m[i * cols + c]! * m[i * cols + p]!;
      for (let i = 0; i < n; i++) m[i * cols + c]! -= dot * m[i * cols + p]!;
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += m[i * cols + c]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < n; i++) m[i * cols + c]! /= norm;
  }
  return m;
}

/** Cyclic Jacobi eigendecomposition of a small symmetric matrix; eigenvectors are columns. */
function symmetricEigen(input: Float64Array, n: number): { values: number[]; vectors: Float64Array } {
  const a = Float64Array.from(input);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-20) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-30) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: Array.from({ length: n }, (_, i) => a[i * n + i]!), vectors: v };
}
