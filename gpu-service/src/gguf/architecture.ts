// Which llama.cpp architecture a served family becomes, its hyperparameter metadata, and the checkpoints
// llama.cpp's graph for that architecture would compute differently (refused, naming the field).
import { CheckpointError } from '../errors.js';
import type { ModelConfig, ServedFamily } from '../checkpoint/config.js';
import type { MetadataValue } from './format.js';

export type GgufArch = 'llama' | 'qwen2moe' | 'qwen3moe' | 'olmoe';

/** Mixtral is llama.cpp's `llama` architecture with experts; the others have their own. */
export const GGUF_ARCH: Record<ServedFamily, GgufArch> = {
  mixtral: 'llama',
  qwen2_moe: 'qwen2moe',
  qwen3_moe: 'qwen3moe',
  olmoe: 'olmoe',
};

/** Whether llama.cpp's graph renormalises the top-k weights for the architecture (fixed per graph, not read). */
const RENORMALISES: Record<GgufArch, boolean> = { llama: true, qwen2moe: false, qwen3moe: true, olmoe: false };

/**
 * Refuses what llama.cpp would load and compute differently from the checkpoint; returns warnings for
 * what it ignores but that cannot change this checkpoint's results in practice.
 */
export function checkExportable(c: ModelConfig, file: string): string[] {
  const arch = GGUF_ARCH[c.family];
  const refuse = (field: string, why: string) => {
    throw new CheckpointError(`${file}: field '${field}' ${why}: llama.cpp's '${arch}' architecture cannot express it`);
  };
  const dense = c.sparseLayers.flatMap((sparse, i) => (sparse ? [] : [i]));
  if (dense.length > 0) refuse('mlp_only_layers', `makes layers ${dense.join(', ')} dense`);
  if (c.routing.normTopkProb !== RENORMALISES[arch]) {
    refuse('norm_topk_prob', `is ${c.routing.normTopkProb} where llama.cpp always uses ${RENORMALISES[arch]}`);
  }
  if ((arch === 'qwen2moe' || arch === 'olmoe') && c.headDim * c.numHeads !== c.hiddenSize) {
    refuse('head_dim', `(${c.headDim}) x heads differs from hidden_size`);
  }
  if (arch === 'olmoe' && c.numKvHeads !== c.numHeads) refuse('num_key_value_heads', 'differs from num_attention_heads (its k norm spans hidden_size)');
  if (arch === 'qwen2moe' && c.sharedExpertIntermediateSize === 0) refuse('shared_expert_intermediate_size', 'is 0 (the shared expert is required)');
  if (c.ropeScaling.type === 'llama3') refuse('rope_scaling', "of type 'llama3' needs a rope_freqs tensor, not written");
  const warnings: string[] = [];
  if (c.slidingWindow !== null) {
    warnings.push(`${file}: sliding_window (${c.slidingWindow}) is on; the context length is capped at it, where full attention is exact`);
  }
  if (c.clipQkv !== null) {
    warnings.push(`${file}: clip_qkv (${c.clipQkv}) is not applied by llama.cpp's olmoe graph; logits differ only where |q|, |k| or |v| exceed it`);
  }
  return warnings;
}

/** general.file_type (llama_ftype) of a file whose matrices are all in `dtype`. */
const FILE_TYPE = { f32: 0, f16: 1, bf16: 32 } as const;

/** Hyperparameter metadata: what llama.cpp's loader reads for the architecture. */
export function hyperparameters(c: ModelConfig, name: string, dtype: keyof typeof FILE_TYPE): Map<string, MetadataValue> {
  const arch = GGUF_ARCH[c.family];
  const m = new Map<string, MetadataValue>();
  const u32 = (key: string, value: number) => m.set(`${arch}.${key}`, { type: 'u32', value });
  const f32 = (key: string, value: number) => m.set(`${arch}.${key}`, { type: 'f32', value });
  m.set('general.architecture', { type: 'string', value: arch });
  m.set('general.name', { type: 'string', value: name });
  m.set('general.file_type', { type: 'u32', value: FILE_TYPE[dtype] });
  u32('context_length', Math.min(c.maxPositions, c.slidingWindow ?? Infinity));
  u32('embedding_length', c.hiddenSize);
  u32('block_count', c.numLayers);
  // Mixtral and OLMoE name the expert width intermediate_size; the Qwen families keep a separate one.
  u32('feed_forward_length', arch === 'llama' || arch === 'olmoe' ? c.moeIntermediateSize : c.denseIntermediateSize || c.moeIntermediateSize);
  u32('expert_feed_forward_length', c.moeIntermediateSize);
  if (c.sharedExpertIntermediateSize > 0) u32('expert_shared_feed_forward_length', c.sharedExpertIntermediateSize);
  u32('expert_count', c.routing.numExperts);
  u32('expert_used_count', c.routing.topK);
  u32('attention.head_count', c.numHeads);
  u32('attention.head_count_kv', c.numKvHeads);
  u32('attention.key_length', c.headDim);
  u32('attention.value_length', c.headDim);
  f32('attention.layer_norm_rms_epsilon', c.rmsNormEps);
  if (c.clipQkv !== null) f32('attention.clamp_kqv', c.clipQkv);
  u32('rope.dimension_count', c.headDim);
  f32('rope.freq_base', c.ropeTheta);
  if (arch === 'llama') u32('vocab_size', c.vocabSize);
  const s = c.ropeScaling;
  if (s.type === 'linear') {
    m.set(`${arch}.rope.scaling.type`, { type: 'string', value: 'linear' });
    f32('rope.scaling.factor', s.factor);
  } else if (s.type === 'yarn') {
    m.set(`${arch}.rope.scaling.type`, { type: 'string', value: 'yarn' });
    f32('rope.scaling.factor', s.factor);
    u32('rope.scaling.original_context_length', s.originalMaxPositions);
    f32('rope.scaling.yarn_beta_fast', s.betaFast);
    f32('rope.scaling.yarn_beta_slow', s.betaSlow);
    // llama.cpp scales by 0.1·ln(factor) + 1 itself; only a config's own attention factor beyond it is written.
    const own = s.attentionFactor / (s.factor <= 1 ? 1 : 0.1 * Math.log(s.factor) + 1);
    if (Math.abs(own - 1) > 1e-7) f32('rope.scaling.attn_factor', own);
  }
  return m;
}
