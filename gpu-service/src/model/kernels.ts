// The serving code's single door to the compute kernels: the native sparse-MoE addon (issue #5) through
// its public module. Everything the forward pass multiplies by a weight matrix goes through here.
import { linear, mapFile, moeDevice, moeForward } from '../moe/index.js';
import type { MoeDevice, MoeForwardResult, MoeLayerWeights, MoeRouting, Tensor } from '../moe/types.js';

export interface Kernels {
  linear(x: Float32Array, tokens: number, w: Tensor): Float32Array;
  moeForward(x: Float32Array, tokens: number, routing: MoeRouting, weights: MoeLayerWeights): MoeForwardResult;
  /** Read-only memory map of a checkpoint shard (no copy). */
  mapFile(path: string): Uint8Array;
  /** The device the kernels run on: CUDA when usable, else CPU (CONCLAVE_MOE_DEVICE overrides). */
  device(): MoeDevice;
}

export const kernels: Kernels = {
  linear: (x, tokens, w) => linear(x, tokens, w),
  moeForward: (x, tokens, routing, weights) => moeForward(x, tokens, routing, weights),
  mapFile,
  device: moeDevice,
};
