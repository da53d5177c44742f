// The serving code's single door to the compute kernels: the native sparse-MoE addon (issue #5) through
// its public module. Everything the forward pass multiplies by a weight matrix is bound here, once, at load;
// the attention core over the KV cache and the RMSNorms run there too.
import { attention, bindLinear, bindMoeLayer, mapFile, moeDevice, rmsNorm } from '../moe/index.js';
import type { AttentionShape, LinearOp, MoeDevice, MoeLayerOp, MoeLayerWeights, MoeRouting, Tensor } from '../moe/types.js';

export interface Kernels {
  /** W [N,K] validated (and on CUDA uploaded) once; forward(x, T) = x · Wᵀ. */
  bindLinear(w: Tensor): LinearOp;
  /** One MoE block's weights validated (and on CUDA uploaded) once; forward(x, T) runs the block. */
  bindMoeLayer(routing: MoeRouting, weights: MoeLayerWeights): MoeLayerOp;
  /** Causal attention of one sequence's new rows over its key/value cache, into `out`. */
  attention(q: Float32Array, keys: Float32Array, values: Float32Array, shape: AttentionShape, out: Float32Array): void;
  /** RMSNorm of `rows` rows of width `dim` into `out` (x itself or apart from it). */
  rmsNorm(x: Float32Array, rows: number, dim: number, weight: Float32Array, eps: number, out: Float32Array): void;
  /** Memory map of a checkpoint shard (no copy). */
  mapFile(path: string): Uint8Array;
  /** The device the kernels run on: CUDA when usable, else CPU (CONCLAVE_MOE_DEVICE overrides). */
  device(): MoeDevice;
}

export const kernels: Kernels = {
  bindLinear: (w) => bindLinear(w),
  bindMoeLayer: (routing, weights) => bindMoeLayer(routing, weights),
  attention,
  rmsNorm,
  mapFile,
  device: moeDevice,
};
