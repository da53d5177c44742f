// Plain TypeScript reference of the two compute kernels (dense projection, one MoE block), written for
// clarity rather than speed. It is the oracle the served forward pass is tested against.
import type { ExpertWeights, MoeForwardResult, MoeLayerWeights, MoeRouting, Tensor } from '../moe/types.js';
import { decodeInto, silu } from '../model/numerics.js';

/** y[t,n] = Σ_k x[t,k]·W[n,k] for W [N,K]; each weight row is decoded once and used for every token. */
export function referenceLinear(x: Float32Array, tokens: number, w: Tensor): Float32Array {
  const [n, k] = w.shape as [number, number];
  const y = new Float32Array(tokens * n);
  const row = new Float32Array(k);
  for (let r = 0; r < n; r++) {
    decodeInto(w, r * k, k, row);
    for (let t = 0; t < tokens; t++) {
      let acc = 0;
      const xo = t * k;
      for (let i = 0; i < k; i++) acc += x[xo + i]! * row[i]!;
      y[t * n + r] = acc;
    }
  }
  return y;
}

function expertTensors(experts: ExpertWeights, e: number): { gate: Tensor; up: Tensor; down: Tensor } {
  if (experts.layout === 'per-expert') return { gate: experts.gate[e]!, up: experts.up[e]!, down: experts.down[e]! };
  // Packed layouts are sliced into per-expert views: gate rows first, then up rows.
  const [, twoI, h] = experts.gateUp.shape as [number, number, number];
  const i = twoI / 2;
  const eb = experts.gateUp.dtype === 'f32' ? 4 : 2;
  const gu = experts.gateUp.data.subarray(e * twoI * h * eb, (e + 1) * twoI * h * eb);
  const [, hd, id] = experts.down.shape as [number, number, number];
  const db = experts.down.dtype === 'f32' ? 4 : 2;
  return {
    gate: { dtype: experts.gateUp.dtype, shape: [i, h], data: gu.subarray(0, i * h * eb) },
    up: { dtype: experts.gateUp.dtype, shape: [i, h], data: gu.subarray(i * h * eb) },
    down: { dtype: experts.down.dtype, shape: [hd, id], data: experts.down.data.subarray(e * hd * id * db, (e + 1) * hd * id * db) },
  };
}

/** SwiGLU MLP of one token row: down(silu(gate·x) ⊙ up·x). */
export function referenceMlp(x: Float32Array, gate: Tensor, up: Tensor, down: Tensor): Float32Array {
  const g = referenceLinear(x, 1, gate);
  const u = referenceLinear(x, 1, up);
  for (let i = 0; i < g.length; i++) g[i] = silu(g[i]!) * u[i]!;
  return referenceLinear(g, 1, down);
}

/** Softmax routing, top-k (ties to the lower index), optional renormalisation, shared expert. */
export function referenceMoe(x: Float32Array, tokens: number, routing: MoeRouting, weights: MoeLayerWeights): MoeForwardResult {
  const h = x.length / tokens;
  const k = routing.topK;
  const y = new Float32Array(tokens * h);
  const topkIds = new Int32Array(tokens * k);
  const topkWeights = new Float32Array(tokens * k);
  const logits = referenceLinear(x, tokens, weights.router);
  const e = routing.numExperts;
  for (let t = 0; t < tokens; t++) {
    const row = logits.subarray(t * e, (t + 1) * e);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    const probs = Array.from(row, (v) => Math.exp(v - max));
    const sum = probs.reduce((a, b) => a + b, 0);
    const order = probs.map((p, i) => ({ p: p / sum, i })).sort((a, b) => b.p - a.p || a.i - b.i).slice(0, k);
    const norm = routing.normTopkProb ? order.reduce((a, o) => a + o.p, 0) : 1;
    const xt = x.subarray(t * h, (t + 1) * h);
    const yt = y.subarray(t * h, (t + 1) * h);
    order.forEach((o, j) => {
      const w = (o.p / norm) * routing.routedScalingFactor;
      topkIds[t * k + j] = o.i;
      topkWeights[t * k + j] = w;
      const ex = expertTensors(weights.experts, o.i);
      const out = referenceMlp(xt, ex.gate, ex.up, ex.down);
      for (let i = 0; i < h; i++) yt[i] = yt[i]! + w * out[i]!;
    });
    if (weights.shared) {
      const out = referenceMlp(xt, weights.shared.gate, weights.shared.up, weights.shared.down);
      let scale = 1;
      if (weights.shared.sharedGate) scale = 1 / (1 + Math.exp(-referenceLinear(xt, 1, weights.shared.sharedGate)[0]!));
      for (let i = 0; i < h; i++) yt[i] = yt[i]! + scale * out[i]!;
    }
  }
  return { y, topkIds, topkWeights };
}
