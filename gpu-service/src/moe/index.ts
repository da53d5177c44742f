// Public face of the native sparse-MoE layer (issue #5). The serving code imports only this
// module and ./types.ts.
import { native } from './native.js';
import type {
  AttentionShape,
  BindOptions,
  CallOptions,
  MoeCallOptions,
  DeviceInfo,
  LinearBindOptions,
  LinearOp,
  MoeDevice,
  MoeForwardOptions,
  MoeForwardResult,
  MoeLayerOp,
  MoeLayerWeights,
  MoeRouting,
  Tensor,
} from './types.js';

export type * from './types.js';
export { referenceMoeForward } from './reference.js';
export { bf16ToF32, decode, encode, f16ToF32, f32ToBf16, f32ToF16 } from './dtype.js';

/**
 * Binds one MoE layer's weights once, at load: every descriptor is parsed and validated here (and on
 * CUDA the weights are uploaded), so each forward() passes only the activations. The handle keeps
 * the weights' buffers alive; dispose() frees device memory now rather than at garbage collection.
 * Throws TypeError/RangeError naming the bad argument.
 */
export function bindMoeLayer(routing: MoeRouting, weights: MoeLayerWeights, opts: BindOptions = {}): MoeLayerOp {
  const layer = new (native().MoeLayer)(routing, weights, opts.device);
  return {
    device: layer.device,
    // Non-finite values in x are rejected (RangeError naming the token), NaN in weights propagates to y.
    forward: (x, tokens, call: MoeCallOptions = {}) => layer.forward(x, tokens, call.cpuIsa, call.outputTokens),
    dispose: () => layer.dispose(),
  };
}

/**
 * Binds W [N,K] (bf16/f16/f32) once; forward(x, T) = x[T,K] · Wᵀ (attention projections, LM head).
 * On the CPU, bf16 weights are repacked here for the AVX512-BF16 panel kernel where the CPU has it
 * (`repack: false` keeps the rows as stored).
 */
export function bindLinear(w: Tensor, opts: LinearBindOptions = {}): LinearOp {
  const op = new (native().Linear)(w, opts.device, opts.repack);
  return {
    device: op.device,
    forward: (x, tokens, call: CallOptions = {}) => op.forward(x, tokens, call.cpuIsa),
    dispose: () => op.dispose(),
  };
}

/** One MoE layer in one call: binds, runs and releases (tests, one-off use; serving binds at load). */
export function moeForward(x: Float32Array, tokens: number, routing: MoeRouting, weights: MoeLayerWeights, opts: MoeForwardOptions = {}): MoeForwardResult {
  const layer = bindMoeLayer(routing, weights, opts);
  try {
    return layer.forward(x, tokens, opts);
  } finally {
    layer.dispose();
  }
}

/** y[T,N] = x[T,K] · Wᵀ in one call: binds (without repacking: one call would pay for it alone), runs and releases. */
export function linear(x: Float32Array, tokens: number, w: Tensor, opts: MoeForwardOptions = {}): Float32Array {
  const op = bindLinear(w, { device: opts.device, repack: false });
  try {
    return op.forward(x, tokens, opts);
  } finally {
    op.dispose();
  }
}

/**
 * Causal attention of one sequence's new query rows q [rows, heads·headDim] (RoPE applied) over its
 * f32 cache keys / values [positions, kvHeads·headDim], which must already hold the rows' own
 * positions: softmax(q·k·scale) · v per head, into out [rows, heads·headDim]. On the CPU thread pool,
 * summed in f64. Throws TypeError/RangeError naming a bad argument (out may not share memory with
 * the inputs); non-finite values are not scanned for and propagate.
 */
export function attention(q: Float32Array, keys: Float32Array, values: Float32Array, shape: AttentionShape, out: Float32Array): void {
  native().attention(q, keys, values, shape, out);
}

/**
 * RMSNorm of `rows` rows of width `dim` from x into out (x itself, or apart from it), scaled by
 * weight [dim]: the same bits as src/model/numerics.ts's rmsNorm, on the CPU thread pool.
 */
export function rmsNorm(x: Float32Array, rows: number, dim: number, weight: Float32Array, eps: number, out: Float32Array): void {
  native().rmsNorm(x, rows, dim, weight, eps, out);
}

/**
 * Memory-maps a file (no copy; unmapped on GC). The pages are private copy-on-write: the file is
 * never written, and a stray write into the array stays in this process instead of crashing it.
 */
export function mapFile(path: string): Uint8Array {
  return native().mapFile(path);
}

/** The device moeForward uses by default: CONCLAVE_MOE_DEVICE if set, else CUDA when usable. */
export function moeDevice(): MoeDevice {
  return native().resolveDevice(undefined);
}

export function deviceInfo(): DeviceInfo {
  return native().deviceInfo();
}
