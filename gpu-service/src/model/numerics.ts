// Element-wise numerics shared by the forward passes: small tensors to f32, RMSNorm, SiLU.
import { decodeInto } from '../moe/dtype.js';
import type { Tensor } from '../moe/types.js';

/** The whole tensor as f32: only for small tensors (norm weights, biases), never for matrices. */
export function toF32(t: Tensor): Float32Array {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  decodeInto(t.data, t.dtype, 0, n, out);
  return out;
}

/** RMSNorm of `rows` rows of width `dim` from `x` into `out`, scaled by `weight` (the reference forward's; the served one calls the addon's, same bits). */
export function rmsNorm(x: Float32Array, rows: number, dim: number, weight: Float32Array, eps: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    let ss = 0;
    for (let i = 0; i < dim; i++) ss += x[o + i]! * x[o + i]!;
    const inv = 1 / Math.sqrt(ss / dim + eps);
    for (let i = 0; i < dim; i++) out[o + i] = x[o + i]! * inv * weight[i]!;
  }
}

export function silu(v: number): number {
  return v / (1 + Math.exp(-v));
}
