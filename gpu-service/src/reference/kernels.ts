// Plain TypeScript reference of the dense kernels (projection, SwiGLU MLP), written for clarity rather
// than speed; with the MoE layer's own reference (../moe/reference.ts) the oracle of the served forward.
import { decodeInto } from '../moe/dtype.js';
import type { Tensor } from '../moe/types.js';
import { silu } from '../model/numerics.js';

/** y[t,n] = Σ_k x[t,k]·W[n,k] for W [N,K]; each weight row is decoded once and used for every token. */
export function referenceLinear(x: Float32Array, tokens: number, w: Tensor): Float32Array {
  const [n, k] = w.shape as [number, number];
  const y = new Float32Array(tokens * n);
  const row = new Float32Array(k);
  for (let r = 0; r < n; r++) {
    decodeInto(w.data, w.dtype, r * k, k, row);
    for (let t = 0; t < tokens; t++) {
      let acc = 0;
      const xo = t * k;
      for (let i = 0; i < k; i++) acc += x[xo + i]! * row[i]!;
      y[t * n + r] = acc;
    }
  }
  return y;
}

/** SwiGLU MLP of one token row: down(silu(gate·x) ⊙ up·x). */
export function referenceMlp(x: Float32Array, gate: Tensor, up: Tensor, down: Tensor): Float32Array {
  const g = referenceLinear(x, 1, gate);
  const u = referenceLinear(x, 1, up);
  for (let i = 0; i < g.length; i++) g[i] = silu(g[i]!) * u[i]!;
  return referenceLinear(g, 1, down);
}
