// Plain TypeScript reference of one sparse-MoE layer, token by token, straight from each family's
// modelling code. It is the oracle for the native tests and the baseline of the benchmark's
// speed-up column; clarity over speed (f64 accumulation, no batching).
import { decode } from './dtype.js';
import type { MoeForwardOptions, MoeForwardResult, MoeLayerWeights, MoeRouting, Tensor } from './types.js';

/** A weight matrix decoded to f32 on first use (only the experts a call touches). */
type Rows = Float32Array;

interface ExpertMatrices {
  gate: Rows; // [I,H]
  up: Rows; // [I,H]
  down: Rows; // [H,I]
  inter: number;
}

export function referenceMoeForward(
  x: Float32Array,
  tokens: number,
  routing: MoeRouting,
  weights: MoeLayerWeights,
  _opts?: MoeForwardOptions,
): MoeForwardResult {
  const E = routing.numExperts;
  const K = routing.topK;
  const H = weights.router.shape[1]!;
  if (x.length !== tokens * H) throw new RangeError(`x has ${x.length} values, expected tokens (${tokens}) x hidden (${H})`);
  if (K < 1 || K > E) throw new RangeError(`routing.topK (${K}) must be in 1..numExperts (${E})`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) {
      const what = Number.isNaN(x[i]!) ? 'NaN' : 'infinite';
      throw new RangeError(`x[token ${Math.floor(i / H)}, dim ${i % H}] is ${what}: inputs must be finite`);
    }
  }

  const router = decodeAll(weights.router);
  const bias = weights.scoreCorrectionBias ? decodeAll(weights.scoreCorrectionBias) : undefined;
  const cache = new Map<number, ExpertMatrices>();
  const expert = (e: number): ExpertMatrices => {
    let m = cache.get(e);
    if (!m) {
      m = decodeExpert(weights, e, H);
      cache.set(e, m);
    }
    return m;
  };
  const shared = weights.shared
    ? {
        gate: decodeAll(weights.shared.gate),
        up: decodeAll(weights.shared.up),
        down: decodeAll(weights.shared.down),
        inter: weights.shared.gate.shape[0]!,
      }
    : undefined;
  const sharedGate = weights.shared?.sharedGate ? decodeAll(weights.shared.sharedGate) : undefined;

  const y = new Float32Array(tokens * H);
  const topkIds = new Int32Array(tokens * K);
  const topkWeights = new Float32Array(tokens * K);
  for (let t = 0; t < tokens; t++) {
    const xt = x.subarray(t * H, (t + 1) * H);
    const logits = new Float64Array(E);
    for (let e = 0; e < E; e++) logits[e] = dot(xt, router, e * H, H);
    const { ids, w } = selectExperts(logits, bias, routing);
    const acc = new Float64Array(H);
    for (let j = 0; j < K; j++) {
      topkIds[t * K + j] = ids[j]!;
      topkWeights[t * K + j] = w[j]!;
      addMlp(acc, xt, expert(ids[j]!), w[j]!);
    }
    if (shared) {
      const scale = sharedGate ? sigmoid(dot(xt, sharedGate, 0, H)) : 1;
      addMlp(acc, xt, shared, scale);
    }
    for (let h = 0; h < H; h++) y[t * H + h] = acc[h]!;
  }
  return { y, topkIds, topkWeights };
}

/** Scores, (group-limited) top-k and the applied weights for one token. Mirrors routing.h. */
export function selectExperts(logits: Float64Array, bias: Float32Array | undefined, r: MoeRouting): { ids: number[]; w: number[] } {
  const E = r.numExperts;
  let score: number[];
  if (r.scoring === 'sigmoid') score = Array.from(logits, sigmoid);
  else {
    const m = Math.max(...logits);
    const ex = Array.from(logits, (l) => Math.exp(l - m));
    const s = ex.reduce((a, b) => a + b, 0);
    score = ex.map((v) => v / s);
  }
  // DeepSeek-V3's correction bias steers selection only.
  const choice = score.map((s, e) => s + (bias ? bias[e]! : 0));
  const rank = (v: number) => (Number.isNaN(v) ? -Infinity : v);

  if (r.nGroup > 1) {
    const size = E / r.nGroup;
    const groupScore = (g: number): number => {
      const vals = choice
        .slice(g * size, (g + 1) * size)
        .map(rank)
        .sort((a, b) => b - a);
      // V3: sum of the two best in the group; V2: the group's best.
      return r.family === 'deepseek_v3' && size > 1 ? vals[0]! + vals[1]! : vals[0]!;
    };
    const kept = argTopK(
      Array.from({ length: r.nGroup }, (_, g) => groupScore(g)),
      r.topkGroup,
    );
    for (let e = 0; e < E; e++) if (!kept.includes(Math.floor(e / size))) choice[e] = -Infinity;
  }

  const ids = argTopK(choice.map(rank), r.topK);
  let w = ids.map((e) => score[e]!);
  // Mixtral always renormalises; DeepSeek's gates only for k > 1 (`if self.top_k > 1 and self.norm_topk_prob`).
  const deepseek = r.family === 'deepseek_v2' || r.family === 'deepseek_v3';
  const norm = r.family === 'mixtral' || (r.normTopkProb && (!deepseek || r.topK > 1));
  if (norm) {
    const s = w.reduce((a, b) => a + b, 0) + 1e-20;
    w = w.map((v) => v / s);
  }
  // DeepSeek-V2 scales only in the `else` branch (weights it did not renormalise); V3 always.
  const scale = r.family === 'deepseek_v2' && norm ? 1 : r.routedScalingFactor;
  return { ids, w: w.map((v) => v * scale) };
}

/** Indices of the k largest values, descending; ties go to the lower index. */
function argTopK(values: number[], k: number): number[] {
  return values
    .map((v, i) => ({ v, i }))
    .sort((a, b) => b.v - a.v || a.i - b.i)
    .slice(0, k)
    .map((p) => p.i);
}

function addMlp(acc: Float64Array, xt: Float32Array, m: ExpertMatrices, scale: number): void {
  const H = xt.length;
  const h = new Float64Array(m.inter);
  for (let i = 0; i < m.inter; i++) {
    const g = dot(xt, m.gate, i * H, H);
    h[i] = silu(g) * dot(xt, m.up, i * H, H);
  }
  for (let o = 0; o < H; o++) {
    let s = 0;
    for (let i = 0; i < m.inter; i++) s += m.down[o * m.inter + i]! * h[i]!;
    acc[o] = acc[o]! + scale * s;
  }
}

function dot(x: Float32Array, w: Rows, offset: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]! * w[offset + i]!;
  return s;
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

function silu(v: number): number {
  return v * sigmoid(v);
}

function decodeAll(t: Tensor): Rows {
  return decode(
    t.data,
    t.dtype,
    0,
    t.shape.reduce((a, b) => a * b, 1),
  );
}

function decodeExpert(w: MoeLayerWeights, e: number, H: number): ExpertMatrices {
  const ex = w.experts;
  if (ex.layout === 'per-expert') {
    return { gate: decodeAll(ex.gate[e]!), up: decodeAll(ex.up[e]!), down: decodeAll(ex.down[e]!), inter: ex.gate[e]!.shape[0]! };
  }
  const I = ex.gateUp.shape[1]! / 2;
  return {
    gate: decode(ex.gateUp.data, ex.gateUp.dtype, e * 2 * I * H, I * H),
    up: decode(ex.gateUp.data, ex.gateUp.dtype, (e * 2 + 1) * I * H, I * H),
    down: decode(ex.down.data, ex.down.dtype, e * H * I, H * I),
    inter: I,
  };
}
