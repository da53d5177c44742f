// Element-wise numerics shared by the forward passes: half-precision decoding, RMSNorm, softmax.
import type { Tensor } from '../moe/types.js';

const f16Table = (() => {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    t[h] = exp === 0 ? sign * 2 ** -14 * (frac / 1024) : exp === 31 ? (frac ? NaN : sign * Infinity) : sign * 2 ** (exp - 15) * (1 + frac / 1024);
  }
  return t;
})();

const bf16Scratch = new Uint32Array(1);
const bf16View = new Float32Array(bf16Scratch.buffer);

/** Decodes `count` elements of `t` starting at element `start` into `out` (at `outOffset`). */
export function decodeInto(t: Tensor, start: number, count: number, out: Float32Array, outOffset = 0): void {
  const d = t.data;
  if (t.dtype === 'f32') {
    const dv = new DataView(d.buffer, d.byteOffset + start * 4, count * 4);
    for (let i = 0; i < count; i++) out[outOffset + i] = dv.getFloat32(i * 4, true);
    return;
  }
  let p = start * 2;
  if (t.dtype === 'bf16') {
    for (let i = 0; i < count; i++, p += 2) {
      bf16Scratch[0] = (d[p]! | (d[p + 1]! << 8)) << 16;
      out[outOffset + i] = bf16View[0]!;
    }
  } else {
    for (let i = 0; i < count; i++, p += 2) out[outOffset + i] = f16Table[d[p]! | (d[p + 1]! << 8)]!;
  }
}

/** The whole tensor as f32: only for small tensors (norm weights, biases), never for matrices. */
export function toF32(t: Tensor): Float32Array {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  decodeInto(t, 0, n, out);
  return out;
}

/** RMSNorm of `rows` rows of width `dim` from `x` into `out`, scaled by `weight`. */
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
