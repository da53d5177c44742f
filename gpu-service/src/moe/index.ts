// Public face of the native sparse-MoE layer (issue #5). The serving code imports only this
// module and ./types.ts.
import { native } from './native.js';
import type { DeviceInfo, MoeDevice, MoeForwardOptions, MoeForwardResult, MoeLayerWeights, MoeRouting, Tensor } from './types.js';

export type * from './types.js';
export { referenceMoeForward } from './reference.js';
export { bf16ToF32, decode, encode, f16ToF32, f32ToBf16, f32ToF16 } from './dtype.js';

/**
 * One MoE layer: y[T,H] plus the expert-activation trace (topkIds / topkWeights). Tensors cross
 * into the addon without copies. Throws TypeError/RangeError naming the bad argument; non-finite
 * values in x are rejected (RangeError naming the token), NaN in weights propagates to y.
 */
export function moeForward(
  x: Float32Array,
  tokens: number,
  routing: MoeRouting,
  weights: MoeLayerWeights,
  opts: MoeForwardOptions = {},
): MoeForwardResult {
  return native().moeForward(x, tokens, routing, weights, opts.device, opts.cpuIsa);
}

/** y[T,N] = x[T,K] · Wᵀ for W [N,K] in bf16/f16/f32 (attention projections, LM head). */
export function linear(x: Float32Array, tokens: number, w: Tensor, opts: MoeForwardOptions = {}): Float32Array {
  return native().linear(x, tokens, w, opts.device, opts.cpuIsa);
}

/** Memory-maps a file read-only; the bytes are an external buffer (no copy) unmapped on GC. */
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
