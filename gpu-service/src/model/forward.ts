// Batched forward pass with KV caches: the new tokens of every sequence in the batch are stacked into one
// [T,H] activation, so each projection and each MoE block is a single kernel call shared by all requests.
// Attention stays per sequence (each reads its own cache).
import type { ModelWeights } from './weights.js';
import { bindModel, type BoundModel } from './bound.js';
import { kernels } from './kernels.js';
import type { KvCache } from './kv-cache.js';
import { decodeInto } from '../moe/dtype.js';
import { silu } from './numerics.js';
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

  constructor(readonly weights: ModelWeights) {
    const c = weights.config;
    this.rope = ropeTable(c.headDim, c.ropeTheta, c.ropeScaling);
    this.ops = bindModel(weights);
    this.cos = new Float64Array(c.headDim / 2);
    this.sin = new Float64Array(c.headDim / 2);
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
    // Each sequence's last row: the only ones the final norm and the (vocabulary-wide) LM head see.
    const lastRows = new Int32Array(steps.length);
    let end = 0;
    steps.forEach((s, i) => {
      end += s.tokens.length;
      lastRows[i] = end - 1;
    });
    for (let l = 0; l < c.numLayers; l++) {
      const layer = this.weights.layers[l]!;
      const ops = this.ops.layers[l]!;
      kernels.rmsNorm(x, total, h, layer.inputNorm, c.rmsNormEps, normed);
      const attn = this.attention(l, normed, total, steps);
      for (let i = 0; i < x.length; i++) x[i] = x[i]! + attn[i]!;
      kernels.rmsNorm(x, total, h, layer.postAttentionNorm, c.rmsNormEps, normed);
      let ffn: Float32Array;
      if (ops.ffn.kind === 'moe') {
        // The last layer's experts feed nothing but the last rows (every row's keys and values are
        // cached by now): only those go through them, as llama.cpp's out_ids do, and the others' rows
        // of the unused residual stay without it. Every token is still routed, so the expert trace and
        // metrics are unchanged.
        const onlyLast = l === c.numLayers - 1 && total > steps.length && steps.every((s) => s.tokens.length > 0);
        const r = ops.ffn.moe.forward(normed, total, onlyLast ? { outputTokens: lastRows } : {});
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
    const last = gatherRows(x, lastRows, h);
    kernels.rmsNorm(last, steps.length, h, this.weights.finalNorm, c.rmsNormEps, last);
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
      kernels.rmsNorm(q, perHead ? total * c.numHeads : total, perHead ? hd : qDim, a.qNorm, c.rmsNormEps, q);
      kernels.rmsNorm(k, perHead ? total * c.numKvHeads : total, perHead ? hd : kvDim, a.kNorm, c.rmsNormEps, k);
    }
    if (c.clipQkv !== null) for (const t of [q, k, v]) clamp(t, c.clipQkv);
    const out = new Float32Array(total * qDim);
    const { cos, sin } = this;
    let row = 0;
    for (const s of steps) {
      const keys = s.cache.keys[l]!;
      const values = s.cache.values[l]!;
      const start = s.cache.length;
      const first = row;
      // Every new row's key and value go into the cache first: row j attends to positions 0..start + j.
      for (let j = 0; j < s.tokens.length; j++, row++) {
        const pos = start + j;
        ropeAngles(pos, this.rope, cos, sin);
        for (let hh = 0; hh < c.numHeads; hh++) rotateHalf(q, row * qDim + hh * hd, cos, sin);
        for (let hh = 0; hh < c.numKvHeads; hh++) rotateHalf(k, row * kvDim + hh * hd, cos, sin);
        keys.set(k.subarray(row * kvDim, (row + 1) * kvDim), pos * kvDim);
        values.set(v.subarray(row * kvDim, (row + 1) * kvDim), pos * kvDim);
      }
      const shape = { rows: row - first, start, heads: c.numHeads, kvHeads: c.numKvHeads, headDim: hd, scale: 1 / Math.sqrt(hd) };
      kernels.attention(q.subarray(first * qDim, row * qDim), keys, values, shape, out.subarray(first * qDim, row * qDim));
    }
    return ops.o.forward(out, total);
  }
}

/** Rows `rows` of t [*, width], stacked. */
function gatherRows(t: Float32Array, rows: Int32Array, width: number): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => out.set(t.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

function addBias(t: Float32Array, bias: Float32Array | null): void {
  if (!bias) return;
  for (let i = 0; i < t.length; i++) t[i] = t[i]! + bias[i % bias.length]!;
}

function clamp(t: Float32Array, limit: number): void {
  for (let i = 0; i < t.length; i++) t[i] = Math.min(limit, Math.max(-limit, t[i]!));
}
