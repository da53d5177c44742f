// Plain TypeScript reference forward of a whole model: no cache, no batching, one position at a time,
// every weight decoded on use. Slow and obvious on purpose: the served path is tested against it.
import type { ModelWeights } from '../model/weights.js';
import { decodeInto } from '../moe/dtype.js';
import { referenceMoeForward } from '../moe/reference.js';
import { rmsNorm } from '../model/numerics.js';
import { applyRope, ropeTable } from '../model/rope.js';
import { referenceLinear, referenceMlp } from './kernels.js';

export interface ReferenceOutput {
  /** [V] logits of the last position. */
  logits: Float32Array;
  /** [layer][position] experts chosen (empty arrays for dense layers). */
  experts: number[][][];
}

function norm(x: Float32Array, w: Float32Array, eps: number, rows = 1): Float32Array {
  const out = new Float32Array(x.length);
  rmsNorm(x, rows, x.length / rows, w, eps, out);
  return out;
}

export function referenceForward(m: ModelWeights, ids: number[]): ReferenceOutput {
  const c = m.config;
  const h = c.hiddenSize;
  const hd = c.headDim;
  const rope = ropeTable(hd, c.ropeTheta, c.ropeScaling);
  const hidden = ids.map((id) => {
    const row = new Float32Array(h);
    decodeInto(m.embed.data, m.embed.dtype, id * h, h, row);
    return row;
  });
  const experts: number[][][] = [];
  for (const layer of m.layers) {
    const a = layer.attention;
    const qs: Float32Array[] = [];
    const ks: Float32Array[] = [];
    const vs: Float32Array[] = [];
    hidden.forEach((x, pos) => {
      const n = norm(x, layer.inputNorm, c.rmsNormEps);
      let q = referenceLinear(n, 1, a.q);
      let k = referenceLinear(n, 1, a.k);
      const v = referenceLinear(n, 1, a.v);
      if (a.qBias) q = q.map((e, i) => e + a.qBias![i]!);
      if (a.kBias) k = k.map((e, i) => e + a.kBias![i]!);
      if (a.vBias) v.forEach((e, i) => (v[i] = e + a.vBias![i]!));
      if (a.qNorm && a.kNorm) {
        const perHead = c.qkNorm === 'per-head';
        q = norm(q, a.qNorm, c.rmsNormEps, perHead ? c.numHeads : 1);
        k = norm(k, a.kNorm, c.rmsNormEps, perHead ? c.numKvHeads : 1);
      }
      if (c.clipQkv !== null) {
        const lim = c.clipQkv;
        for (const t of [q, k, v]) t.forEach((e, i) => (t[i] = Math.min(lim, Math.max(-lim, e))));
      }
      for (let hh = 0; hh < c.numHeads; hh++) applyRope(q, hh * hd, hd, pos, rope);
      for (let hh = 0; hh < c.numKvHeads; hh++) applyRope(k, hh * hd, hd, pos, rope);
      qs.push(q);
      ks.push(k);
      vs.push(v);
    });
    const layerExperts: number[][] = [];
    hidden.forEach((x, pos) => {
      const att = new Float32Array(c.numHeads * hd);
      for (let hh = 0; hh < c.numHeads; hh++) {
        const kvh = Math.floor(hh / (c.numHeads / c.numKvHeads));
        const scores: number[] = [];
        for (let p = 0; p <= pos; p++) {
          let dot = 0;
          for (let i = 0; i < hd; i++) dot += qs[pos]![hh * hd + i]! * ks[p]![kvh * hd + i]!;
          scores.push(dot / Math.sqrt(hd));
        }
        const max = Math.max(...scores);
        const exps = scores.map((s) => Math.exp(s - max));
        const sum = exps.reduce((s, e) => s + e, 0);
        exps.forEach((e, p) => {
          for (let i = 0; i < hd; i++) att[hh * hd + i] = att[hh * hd + i]! + (e / sum) * vs[p]![kvh * hd + i]!;
        });
      }
      const o = referenceLinear(att, 1, a.o);
      for (let i = 0; i < h; i++) x[i] = x[i]! + o[i]!;
    });
    hidden.forEach((x) => {
      const n = norm(x, layer.postAttentionNorm, c.rmsNormEps);
      let out: Float32Array;
      if (layer.ffn.kind === 'moe') {
        const r = referenceMoeForward(n, 1, c.routing, layer.ffn.moe);
        out = r.y;
        layerExperts.push(Array.from(r.topkIds));
      } else {
        out = referenceMlp(n, layer.ffn.mlp.gate, layer.ffn.mlp.up, layer.ffn.mlp.down);
        layerExperts.push([]);
      }
      for (let i = 0; i < h; i++) x[i] = x[i]! + out[i]!;
    });
    experts.push(layerExperts);
  }
  const last = norm(hidden[hidden.length - 1]!, m.finalNorm, c.rmsNormEps);
  return { logits: referenceLinear(last, 1, m.lmHead), experts };
}
