// Reads a Hugging Face config.json into the one shape the loader and forward pass use. Each family's
// defaults follow its transformers configuration class, so a config that omits a field means the same here.
import { z } from 'zod';
import type { MoeFamily, MoeRouting } from '../moe/types.js';
import { CheckpointError } from '../errors.js';

export type ServedFamily = Extract<MoeFamily, 'mixtral' | 'qwen2_moe' | 'qwen3_moe' | 'olmoe'>;

export type RopeScaling =
  | { type: 'default' }
  | { type: 'linear'; factor: number }
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositions: number }
  | { type: 'yarn'; factor: number; originalMaxPositions: number; betaFast: number; betaSlow: number; attentionFactor: number };

/**
 * How q/k are normalised before RoPE: Qwen3 normalises each head over head_dim; OLMoE normalises the
 * whole projection (all heads together) over numHeads*head_dim.
 */
export type QkNorm = 'none' | 'per-head' | 'whole';

export interface ModelConfig {
  family: ServedFamily;
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling: RopeScaling;
  maxPositions: number;
  /**
   * Sliding-window attention span where the config turns it on (Mixtral's `sliding_window`; Qwen's when
   * `use_sliding_window`), else null. Attention here is full, which equals the window's up to this many
   * positions, so the service caps its context at it.
   */
  slidingWindow: number | null;
  tieWordEmbeddings: boolean;
  attentionBias: boolean;
  qkNorm: QkNorm;
  /** OLMoE's clip_qkv: q, k and v are clamped to ±clipQkv; null = off. */
  clipQkv: number | null;
  routing: MoeRouting;
  moeIntermediateSize: number;
  sharedExpertIntermediateSize: number;
  /** Intermediate size of dense MLP layers (Qwen MoE's mlp_only_layers / decoder_sparse_step). */
  denseIntermediateSize: number;
  /** Per layer: true = sparse MoE block, false = dense MLP. */
  sparseLayers: boolean[];
  bosTokenId: number | null;
  eosTokenIds: number[];
}

const positive = z.number().int().positive();
const tokenIds = z.union([z.number().int(), z.array(z.number().int())]).nullish();

const ropeScalingSchema = z
  .object({
    rope_type: z.string().optional(),
    type: z.string().optional(),
    factor: z.number().positive().optional(),
    low_freq_factor: z.number().optional(),
    high_freq_factor: z.number().optional(),
    original_max_position_embeddings: positive.optional(),
    beta_fast: z.number().optional(),
    beta_slow: z.number().optional(),
    attention_factor: z.number().optional(),
    mscale: z.number().optional(),
    mscale_all_dim: z.number().optional(),
  })
  .nullish();

const baseSchema = z.object({
  model_type: z.string(),
  vocab_size: positive,
  hidden_size: positive,
  num_hidden_layers: positive,
  num_attention_heads: positive,
  num_key_value_heads: positive.optional(),
  head_dim: positive.nullish(),
  rms_norm_eps: z.number().positive().default(1e-6),
  rope_theta: z.number().positive().default(10000),
  rope_scaling: ropeScalingSchema,
  max_position_embeddings: positive.default(4096),
  tie_word_embeddings: z.boolean().default(false),
  attention_bias: z.boolean().optional(),
  num_experts_per_tok: positive,
  intermediate_size: positive.optional(),
  bos_token_id: z.number().int().nullish(),
  eos_token_id: tokenIds,
  // Mixtral
  num_local_experts: positive.optional(),
  // Qwen2/3-MoE, OLMoE
  num_experts: positive.optional(),
  moe_intermediate_size: positive.optional(),
  shared_expert_intermediate_size: z.number().int().nonnegative().optional(),
  norm_topk_prob: z.boolean().optional(),
  decoder_sparse_step: positive.default(1),
  mlp_only_layers: z.array(z.number().int().nonnegative()).default([]),
  clip_qkv: z.number().positive().nullish(),
  hidden_act: z.string().default('silu'),
  sliding_window: positive.nullish(),
  use_sliding_window: z.boolean().default(false),
});

type RawConfig = z.infer<typeof baseSchema>;

/** Parses config.json's parsed JSON; `file` names it in errors. */
export function parseModelConfig(json: unknown, file = 'config.json'): ModelConfig {
  const type = (json as { model_type?: unknown } | null)?.model_type;
  if (type === 'deepseek_v2' || type === 'deepseek_v3') {
    throw new CheckpointError(`${file}: model_type '${type}' (multi-head latent attention) is not supported yet`);
  }
  if (type !== 'mixtral' && type !== 'qwen2_moe' && type !== 'qwen3_moe' && type !== 'olmoe') {
    throw new CheckpointError(`${file}: model_type ${JSON.stringify(type)} is not a served MoE family (mixtral, qwen2_moe, qwen3_moe, olmoe)`);
  }
  const parsed = baseSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CheckpointError(`${file}: field '${issue.path.join('.')}' ${issue.message}`);
  }
  return toModelConfig(type, parsed.data, file);
}

function required<T>(value: T | undefined, field: string, file: string): T {
  if (value === undefined) throw new CheckpointError(`${file}: field '${field}' is missing`);
  return value;
}

function toModelConfig(family: ServedFamily, c: RawConfig, file: string): ModelConfig {
  // The kernels compute SwiGLU; another activation would be served silently wrong.
  if (c.hidden_act !== 'silu') throw new CheckpointError(`${file}: field 'hidden_act' '${c.hidden_act}' is not supported (silu)`);
  const numHeads = c.num_attention_heads;
  const numKvHeads = c.num_key_value_heads ?? numHeads;
  if (numHeads % numKvHeads !== 0) {
    throw new CheckpointError(`${file}: field 'num_key_value_heads' (${numKvHeads}) must divide num_attention_heads (${numHeads})`);
  }
  const headDim = c.head_dim ?? c.hidden_size / numHeads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
    throw new CheckpointError(`${file}: field 'head_dim' (${headDim}) must be an even integer`);
  }
  const numExperts = family === 'mixtral' ? required(c.num_local_experts, 'num_local_experts', file) : required(c.num_experts, 'num_experts', file);
  if (c.num_experts_per_tok > numExperts) {
    throw new CheckpointError(`${file}: field 'num_experts_per_tok' (${c.num_experts_per_tok}) exceeds the ${numExperts} experts`);
  }
  const moeIntermediateSize =
    family === 'mixtral' || family === 'olmoe'
      ? required(c.intermediate_size, 'intermediate_size', file)
      : required(c.moe_intermediate_size, 'moe_intermediate_size', file);
  // transformers defaults: Mixtral always renormalises; Qwen2-MoE and OLMoE default to false, Qwen3-MoE to true.
  const normTopkProb = family === 'mixtral' ? true : (c.norm_topk_prob ?? family === 'qwen3_moe');
  const isQwen = family === 'qwen2_moe' || family === 'qwen3_moe';
  const sparseLayers = Array.from(
    { length: c.num_hidden_layers },
    (_, i) => !isQwen || (!c.mlp_only_layers.includes(i) && (i + 1) % c.decoder_sparse_step === 0),
  );
  const eos = c.eos_token_id;
  return {
    family,
    vocabSize: c.vocab_size,
    hiddenSize: c.hidden_size,
    numLayers: c.num_hidden_layers,
    numHeads,
    numKvHeads,
    headDim,
    rmsNormEps: c.rms_norm_eps,
    ropeTheta: c.rope_theta,
    ropeScaling: parseRopeScaling(c, file),
    maxPositions: c.max_position_embeddings,
    slidingWindow: family === 'mixtral' || (isQwen && c.use_sliding_window) ? (c.sliding_window ?? null) : null,
    tieWordEmbeddings: c.tie_word_embeddings,
    // Qwen2 attention always has q/k/v biases; the others default to none.
    attentionBias: family === 'qwen2_moe' ? true : (c.attention_bias ?? false),
    qkNorm: family === 'qwen3_moe' ? 'per-head' : family === 'olmoe' ? 'whole' : 'none',
    clipQkv: family === 'olmoe' ? (c.clip_qkv ?? null) : null,
    routing: {
      family,
      numExperts,
      topK: c.num_experts_per_tok,
      scoring: 'softmax',
      normTopkProb,
      routedScalingFactor: 1,
      nGroup: 1,
      topkGroup: 1,
    },
    moeIntermediateSize,
    sharedExpertIntermediateSize: family === 'qwen2_moe' ? (c.shared_expert_intermediate_size ?? 0) : 0,
    denseIntermediateSize: c.intermediate_size ?? 0,
    sparseLayers,
    bosTokenId: c.bos_token_id ?? null,
    eosTokenIds: eos === null || eos === undefined ? [] : Array.isArray(eos) ? eos : [eos],
  };
}

function parseRopeScaling(c: RawConfig, file: string): RopeScaling {
  const s = c.rope_scaling;
  if (!s) return { type: 'default' };
  const kind = s.rope_type ?? s.type ?? 'default';
  const factor = s.factor ?? 1;
  const original = s.original_max_position_embeddings ?? c.max_position_embeddings;
  switch (kind) {
    case 'default':
      return { type: 'default' };
    case 'linear':
      return { type: 'linear', factor };
    case 'llama3':
      return {
        type: 'llama3',
        factor,
        lowFreqFactor: s.low_freq_factor ?? 1,
        highFreqFactor: s.high_freq_factor ?? 4,
        originalMaxPositions: original,
      };
    case 'yarn': {
      // transformers' _compute_yarn_parameters: attention scale from mscale/mscale_all_dim when both given.
      const mscale = (scale: number, m = 1) => (scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1);
      const attentionFactor =
        s.attention_factor ??
        (s.mscale !== undefined && s.mscale_all_dim !== undefined ? mscale(factor, s.mscale) / mscale(factor, s.mscale_all_dim) : mscale(factor));
      return {
        type: 'yarn',
        factor,
        originalMaxPositions: original,
        betaFast: s.beta_fast ?? 32,
        betaSlow: s.beta_slow ?? 1,
        attentionFactor,
      };
    }
    default:
      throw new CheckpointError(`${file}: field 'rope_scaling.rope_type' '${kind}' is not supported (default, linear, llama3, yarn)`);
  }
}
