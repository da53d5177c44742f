// Batched forward pass with KV caches: the new tokens of every sequence in the batch are stacked into one
// [T,H] activation, so each projection and each MoE block is a single kernel call shared by all requests.
// Attention stays per sequence (each reads its own cache).
import type { ModelWeights } from './weights.js';
import { bindModel, type BoundModel } from './bound.js';
import type { KvCache } from './kv-cache.js';
import { decodeInto } from '../moe/dtype.js';
import { rmsNorm, silu } from './numerics.js';
import { ropeAngles, ropeTable, rotateHalf, type RopeTable } from './rope.js';

export interface SequenceStep {
  cache: KvCache;
  /** Tokens to append; their positions continue at cache.length. */
  tokens: number[];
}

export interface BatchResult {
  /** Per sequence: logits [V] of its last new token. */
  logits: Float32Array[];
  /** Per layer: [T,topK] experts chosen for every new token in batch order (empty for dense layers). */
  topkIds: Int32Array[];
  topkWeights: Float32Array[];
}

export class ModelRunner {
  private readonly rope: RopeTable;
  /** The weights bound to the native kernels once, here, at load. */
  private readonly ops: BoundModel;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  /** Attention scores of one query head, reused across heads, tokens and steps (grown as contexts grow). */
  private scores = new Float64Array(256);
  /** One head's attention output before normalisation. */
  private readonly acc: Float64Array;

  constructor(readonly weights: ModelWeights) {
    const c = weights.config;
    this.rope = ropeTable(c.headDim, c.ropeTheta, c.ropeScaling);
    this.ops = bindModel(weights);
    this.cos = new Float64Array(c.headDim / 2);
    this.sin = new Float64Array(c.headDim / 2);
    this.acc = new Float64Array(c.headDim);
  }

  /** Frees the kernels' device memory now rather than at garbage collection. */
  dispose(): void {
    this.ops.dispose();
  }

  get config() {
    return this.weights.config;
  }

  async forward(steps: SequenceStep[]): Promise<BatchResult> {
    const c = this.weights.config;
    const h = c.hiddenSize;
    const total = steps.reduce((a, s) => a + s.tokens.length, 0);
    const x = new Float32Array(total * h);
    let row = 0;
    for (const s of steps) {
      s.cache.reserve(s.cache.length + s.tokens.length);
      for (const id of s.tokens) decodeInto(this.weights.embed.data, this.weights.embed.dtype, id * h, h, x, h * row++);
    }
    const normed = new Float32Array(total * h);
    const topkIds: Int32Array[] = [];
    const topkWeights: Float32Array[] = [];
    for (let l = 0; l < c.numLayers; l++) {
      const layer = this.weights.layers[l]!;
      const ops = this.ops.layers[l]!;
      rmsNorm(x, total, h, layer.inputNorm, c.rmsNormEps, normed);
      const attn = this.attention(l, normed, total, steps);
      for (let i = 0; i < x.length; i++) x[i] = x[i]! + attn[i]!;
      rmsNorm(x, total, h, layer.postAttentionNorm, c.rmsNormEps, normed);
      let ffn: Float32Array;
      if (ops.ffn.kind === 'moe') {
        const r = ops.ffn.moe.forward(normed, total);
        ffn = r.y;
        topkIds.push(r.topkIds);
        topkWeights.push(r.topkWeights);
      } else {
        const g = ops.ffn.gate.forward(normed, total);
        const u = ops.ffn.up.forward(normed, total);
        for (let i = 0; i < g.length; i++) g[i] = silu(g[i]!) * u[i]!;
        ffn = ops.ffn.down.forward(g, total);
        topkIds.push(new Int32Array(0));
        topkWeights.push(new Float32Array(0));
      }
      for (let i = 0; i < x.length; i++) x[i] = x[i]! + ffn[i]!;
    }
    for (const s of steps) s.cache.length += s.tokens.length;
    // Only each sequence's last row goes through the final norm and the (vocabulary-wide) LM head.
    const last = new Float32Array(steps.length * h);
    let end = 0;
    steps.forEach((s, i) => {
      end += s.tokens.length;
      last.set(x.subarray((end - 1) * h, end * h), i * h);
    });
    rmsNorm(last, steps.length, h, this.weights.finalNorm, c.rmsNormEps, last);
    const logits = this.ops.lmHead.forward(last, steps.length);
    const v = c.vocabSize;
    // Views, not copies: each call's logits are a fresh array that nothing else writes.
    return { logits: steps.map((_, i) => logits.subarray(i * v, (i + 1) * v)), topkIds, topkWeights };
  }

  /** Self-attention of layer `l` for all new tokens; appends their keys/values to each sequence's cache. */
  private attention(l: number, normed: Float32Array, total: number, steps: SequenceStep[]): Float32Array {
    const c = this.weights.config;
    const a = this.weights.layers[l]!.attention;
    const ops = this.ops.layers[l]!.attention;
    const hd = c.headDim;
    const qDim = c.numHeads * hd;
    const kvDim = c.numKvHeads * hd;
    const q = ops.q.forward(normed, total);
    const k = ops.k.forward(normed, total);
    const v = ops.v.forward(normed, total);
    addBias(q, a.qBias);
    addBias(k, a.kBias);
    addBias(v, a.vBias);
    if (a.qNorm && a.kNorm) {
      // Qwen3 normalises each head (weight [headDim]); OLMoE the whole projection (weight [qDim]/[kvDim]).
      const perHead = c.qkNorm === 'per-head';
      rmsNorm(q, perHead ? total * c.numHeads : total, perHead ? hd : qDim, a.qNorm, c.rmsNormEps, q);
      rmsNorm(k, perHead ? total * c.numKvHeads : total, perHead ? hd : kvDim, a.kNorm, c.rmsNormEps, k);
    }
    if (c.clipQkv !== null) for (const t of [q, k, v]) clamp(t, c.clipQkv);
    const out = new Float32Array(total * qDim);
    const scale = 1 / Math.sqrt(hd);
    const group = c.numHeads / c.numKvHeads;
    const { cos, sin, acc } = this;
    let row = 0;
    for (const s of steps) {
      const keys = s.cache.keys[l]!;
      const values = s.cache.values[l]!;
      const start = s.cache.length;
      for (let j = 0; j < s.tokens.length; j++, row++) {
        const pos = start + j;
        ropeAngles(pos, this.rope, cos, sin);
        for (let hh = 0; hh < c.numHeads; hh++) rotateHalf(q, row * qDim + hh * hd, cos, sin);
        for (let hh = 0; hh < c.numKvHeads; hh++) rotateHalf(k, row * kvDim + hh * hd, cos, sin);
        keys.set(k.subarray(row * kvDim, (row + 1) * kvDim), pos * kvDim);
        values.set(v.subarray(row * kvDim, (row + 1) * kvDim), pos * kvDim);
        if (this.scores.length <= pos) this.scores = new Float64Array(2 * (pos + 1));
        const scores = this.scores;
        for (let hh = 0; hh < c.numHeads; hh++) {
          const qo = row * qDim + hh * hd;
          const ko = Math.floor(hh / group) * hd;
          // Two positions per pass share the loads of q; each keeps its own four partial sums in dot's
          // order, so the scores are bit-identical to one dot per position.
          let p = 0;
          for (let kp = ko; p < pos; p += 2, kp += 2 * kvDim) dot2(q, qo, keys, kp, kp + kvDim, hd, scores, p);
          if (p === pos) scores[p] = dot(q, qo, keys, ko + p * kvDim, hd);
          let max = -Infinity;
          for (p = 0; p <= pos; p++) {
            const score = scores[p]! * scale;
            scores[p] = score;
            if (score > max) max = score;
          }
          let sum = 0;
          for (let p = 0; p <= pos; p++) {
            const e = Math.exp(scores[p]! - max);
            scores[p] = e;
            sum += e;
          }
          // Summed in f64 and normalised once: the f32 output row is written once per head, not per position.
          acc.fill(0);
          // Four positions per pass over acc: JavaScript adds left to right, so the sums are the ones the
          // one-position loop makes, with a quarter of its loads and stores of acc.
          p = 0;
          for (let vp = ko; p + 3 <= pos; p += 4, vp += 4 * kvDim) {
            const w0 = scores[p]!;
            const w1 = scores[p + 1]!;
            const w2 = scores[p + 2]!;
            const w3 = scores[p + 3]!;
            const v1 = vp + kvDim;
            const v2 = v1 + kvDim;
            const v3 = v2 + kvDim;
            for (let i = 0; i < hd; i++) acc[i] = acc[i]! + w0 * values[vp + i]! + w1 * values[v1 + i]! + w2 * values[v2 + i]! + w3 * values[v3 + i]!;
          }
          for (let vp = ko + p * kvDim; p <= pos; p++, vp += kvDim) {
            const w = scores[p]!;
            for (let i = 0; i < hd; i++) acc[i] = acc[i]! + w * values[vp + i]!;
          }
          for (let i = 0; i < hd; i++) out[qo + i] = acc[i]! / sum;
        }
      }
    }
    return ops.o.forward(out, total);
  }
}

/** a[ao..ao+n) · b[bo..bo+n) in four partial sums: V8 keeps them in registers (1.2-1.3x the single sum on a 64-wide head). */
function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[ao + i]! * b[bo + i]!;
    s1 += a[ao + i + 1]! * b[bo + i + 1]!;
    s2 += a[ao + i + 2]! * b[bo + i + 2]!;
    s3 += a[ao + i + 3]! * b[bo + i + 3]!;
  }
  for (; i < n; i++) s0 += a[ao + i]! * b[bo + i]!;
  return s0 + s1 + s2 + s3;
}

/** dot() of a[ao..ao+n) with b[b0..) and with b[b1..) at once, into out[o] and out[o + 1]. */
function dot2(a: Float32Array, ao: number, b: Float32Array, b0: number, b1: number, n: number, out: Float64Array, o: number): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let t0 = 0;
  let t1 = 0;
  let t2 = 0;
  let t3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const a0 = a[ao + i]!;
    const a1 = a[ao + i + 1]!;
    const a2 = a[ao + i + 2]!;
    const a3 = a[ao + i + 3]!;
    s0 += a0 * b[b0 + i]!;
    s1 += a1 * b[b0 + i + 1]!;
    s2 += a2 * b[b0 + i + 2]!;
    s3 += a3 * b[b0 + i + 3]!;
    t0 += a0 * b[b1 + i]!;
    t1 += a1 * b[b1 + i + 1]!;
    t2 += a2 * b[b1 + i + 2]!;
    t3 += a3 * b[b1 + i + 3]!;
  }
  for (; i < n; i++) {
    s0 += a[ao + i]! * b[b0 + i]!;
    t0 += a[ao + i]! * b[b1 + i]!;
  }
  out[o] = s0 + s1 + s2 + s3;
  out[o + 1] = t0 + t1 + t2 + t3;
}

function addBias(t: Float32Array, bias: Float32Array | null): void {
  if (!bias) return;
  for (let i = 0; i < t.length; i++) t[i] = t[i]! + bias[i % bias.length]!;
}

function clamp(t: Float32Array, limit: number): void {
  for (let i = 0; i < t.length; i++) t[i] = Math.min(limit, Math.max(-limit, t[i]!));
}
