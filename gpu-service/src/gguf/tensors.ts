// A loaded checkpoint's weights as the tensors llama.cpp expects: its names (token_embd, blk.N.attn_q, …,
// ffn_{gate,up,down}_exps stacked over experts), matrices in the checkpoint's dtype, and vectors and
// routers in f32 as llama.cpp's own converter stores them (its CPU ops on them are f32-only).
import type { ExpertWeights, Tensor } from '../moe/types.js';
import { toF32 } from '../model/numerics.js';
import type { ModelWeights } from '../model/weights.js';
import type { GgufTensor } from './format.js';
import { GGUF_ARCH } from './architecture.js';

const BYTES = { f32: 4, f16: 2, bf16: 2 } as const;

function matrix(name: string, t: Tensor): GgufTensor {
  return { name, shape: t.shape, dtype: t.dtype, chunks: () => [t.data] };
}

function vector(name: string, v: Float32Array, shape = [v.length]): GgufTensor {
  return { name, shape, dtype: 'f32', chunks: () => [new Uint8Array(v.buffer, v.byteOffset, v.byteLength)] };
}

/** Rows of `t` in the order `rows` gives (source row index per output row). */
function rowsOf(t: Tensor, rows: number[]): Iterable<Uint8Array> {
  const width = t.shape.slice(1).reduce((a, b) => a * b, 1) * BYTES[t.dtype];
  return rows.map((r) => t.data.subarray(r * width, (r + 1) * width));
}

/**
 * llama.cpp's `llama` architecture rotates interleaved pairs (x0,x1),(x2,x3)… where Hugging Face rotates
 * the two halves of each head: row j of a head's first half goes to row 2j, of its second half to 2j+1.
 */
export function interleaveHalves(heads: number, headDim: number): number[] {
  const half = headDim / 2;
  const order: number[] = [];
  for (let h = 0; h < heads; h++) for (let j = 0; j < half; j++) order.push(h * headDim + j, h * headDim + half + j);
  return order;
}

function permuted(vec: Float32Array, order: number[]): Float32Array {
  return Float32Array.from(order, (r) => vec[r]!);
}

/** One stacked [E, rows, cols] tensor from per-expert tensors or a slice of each expert of a packed one. */
function stacked(name: string, parts: Tensor[], rowStart = 0, rowCount = parts[0]!.shape[0]!): GgufTensor {
  const first = parts[0]!;
  const cols = first.shape[first.shape.length - 1]!;
  const rowBytes = cols * BYTES[first.dtype];
  return {
    name,
    shape: [parts.length, rowCount, cols],
    dtype: first.dtype,
    chunks: () => parts.map((p) => p.data.subarray(rowStart * rowBytes, (rowStart + rowCount) * rowBytes)),
  };
}

/** A packed [E, R, C] tensor seen as E tensors [R, C] (views, no copy). */
function unpack(t: Tensor): Tensor[] {
  const [e, r, c] = t.shape as [number, number, number];
  const bytes = r * c * BYTES[t.dtype];
  return Array.from({ length: e }, (_, i) => ({ dtype: t.dtype, shape: [r, c], data: t.data.subarray(i * bytes, (i + 1) * bytes) }));
}

function expertTensors(p: string, experts: ExpertWeights, intermediate: number): GgufTensor[] {
  if (experts.layout === 'per-expert') {
    return [
      stacked(`${p}.ffn_gate_exps.weight`, experts.gate),
      stacked(`${p}.ffn_up_exps.weight`, experts.up),
      stacked(`${p}.ffn_down_exps.weight`, experts.down),
    ];
  }
  const gateUp = unpack(experts.gateUp);
  return [
    stacked(`${p}.ffn_gate_exps.weight`, gateUp, 0, intermediate),
    stacked(`${p}.ffn_up_exps.weight`, gateUp, intermediate, intermediate),
    stacked(`${p}.ffn_down_exps.weight`, unpack(experts.down)),
  ];
}

/** Every tensor of the GGUF file, in llama.cpp's names and layouts. */
export function ggufTensors(w: ModelWeights): GgufTensor[] {
  const c = w.config;
  const arch = GGUF_ARCH[c.family];
  // Only `llama` rotates interleaved pairs; the others rotate halves as Hugging Face does.
  const qOrder = arch === 'llama' ? interleaveHalves(c.numHeads, c.headDim) : null;
  const kOrder = arch === 'llama' ? interleaveHalves(c.numKvHeads, c.headDim) : null;
  const out: GgufTensor[] = [matrix('token_embd.weight', w.embed), vector('output_norm.weight', w.finalNorm)];
  // qwen2moe and olmoe require output.weight even when the checkpoint ties it to the embedding.
  if (w.lmHead !== w.embed || arch === 'qwen2moe' || arch === 'olmoe') out.push(matrix('output.weight', w.lmHead));
  w.layers.forEach((layer, l) => {
    const p = `blk.${l}`;
    const a = layer.attention;
    out.push(vector(`${p}.attn_norm.weight`, layer.inputNorm));
    out.push(qOrder ? { ...matrix(`${p}.attn_q.weight`, a.q), chunks: () => rowsOf(a.q, qOrder) } : matrix(`${p}.attn_q.weight`, a.q));
    out.push(kOrder ? { ...matrix(`${p}.attn_k.weight`, a.k), chunks: () => rowsOf(a.k, kOrder) } : matrix(`${p}.attn_k.weight`, a.k));
    out.push(matrix(`${p}.attn_v.weight`, a.v));
    out.push(matrix(`${p}.attn_output.weight`, a.o));
    if (a.qBias) out.push(vector(`${p}.attn_q.bias`, qOrder ? permuted(a.qBias, qOrder) : a.qBias));
    if (a.kBias) out.push(vector(`${p}.attn_k.bias`, kOrder ? permuted(a.kBias, kOrder) : a.kBias));
    if (a.vBias) out.push(vector(`${p}.attn_v.bias`, a.vBias));
    if (a.qNorm) out.push(vector(`${p}.attn_q_norm.weight`, a.qNorm));
    if (a.kNorm) out.push(vector(`${p}.attn_k_norm.weight`, a.kNorm));
    out.push(vector(`${p}.ffn_norm.weight`, layer.postAttentionNorm));
    if (layer.ffn.kind !== 'moe') throw new Error(`layer ${l} is dense: checkExportable refuses such checkpoints first`);
    const moe = layer.ffn.moe;
    out.push(vector(`${p}.ffn_gate_inp.weight`, toF32(moe.router), moe.router.shape));
    out.push(...expertTensors(p, moe.experts, c.moeIntermediateSize));
    if (moe.shared) {
      const s = moe.shared;
      if (s.sharedGate) out.push(vector(`${p}.ffn_gate_inp_shexp.weight`, toF32(s.sharedGate)));
      out.push(matrix(`${p}.ffn_gate_shexp.weight`, s.gate), matrix(`${p}.ffn_up_shexp.weight`, s.up), matrix(`${p}.ffn_down_shexp.weight`, s.down));
    }
  });
  return out;
}
