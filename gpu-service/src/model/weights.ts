// In-memory shape of a loaded checkpoint. Matrices stay `Tensor`s (views into mapped files, native dtype);
// only the small vectors (norm weights, biases) are decoded to f32.
import type { MoeLayerWeights, Tensor } from '../moe/types.js';
import type { ModelConfig } from '../checkpoint/config.js';

export interface AttentionWeights {
  q: Tensor; // [numHeads*headDim, H]
  k: Tensor; // [numKv*headDim, H]
  v: Tensor; // [numKv*headDim, H]
  o: Tensor; // [H, numHeads*headDim]
  qBias: Float32Array | null;
  kBias: Float32Array | null;
  vBias: Float32Array | null;
  /** [headDim] for Qwen3 (per head), [numHeads*headDim] for OLMoE (whole projection). */
  qNorm: Float32Array | null;
  kNorm: Float32Array | null;
}

export interface DenseMlpWeights {
  gate: Tensor;
  up: Tensor;
  down: Tensor;
}

export type FeedForwardWeights = { kind: 'moe'; moe: MoeLayerWeights } | { kind: 'dense'; mlp: DenseMlpWeights };

export interface LayerWeights {
  inputNorm: Float32Array;
  postAttentionNorm: Float32Array;
  attention: AttentionWeights;
  ffn: FeedForwardWeights;
}

export interface ModelWeights {
  config: ModelConfig;
  embed: Tensor; // [V, H]
  layers: LayerWeights[];
  finalNorm: Float32Array;
  lmHead: Tensor; // [V, H]; the embedding itself when tied
}
