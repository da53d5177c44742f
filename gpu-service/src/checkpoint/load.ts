// Loads a Hugging Face checkpoint directory: config.json, model.safetensors or its sharded index, and
// assembles the per-layer weights of a served family, checking every tensor's presence and shape.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExpertWeights, MoeLayerWeights, Tensor } from '../moe/types.js';
import { CheckpointError } from '../errors.js';
import { kernels } from '../model/kernels.js';
import { toF32 } from '../model/numerics.js';
import type { AttentionWeights, FeedForwardWeights, LayerWeights, ModelWeights } from '../model/weights.js';
import { parseModelConfig, type ModelConfig } from './config.js';
import { parseSafetensors } from './safetensors.js';

export type LoadProgress = { stage: 'shard'; file: string; index: number; total: number; bytes: number } | { stage: 'layer'; index: number; total: number };

export interface LoadOptions {
  onProgress?: (p: LoadProgress) => void;
}

export function readJson(dir: string, name: string): unknown {
  const path = join(dir, name);
  if (!existsSync(path)) throw new CheckpointError(`${path}: missing`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CheckpointError(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

export function loadConfig(dir: string): ModelConfig {
  return parseModelConfig(readJson(dir, 'config.json'), join(dir, 'config.json'));
}

/** Maps every shard and returns all tensors by name. */
function mapTensors(dir: string, opts: LoadOptions): Map<string, Tensor> {
  const indexPath = join(dir, 'model.safetensors.index.json');
  let files: string[];
  let weightMap: Record<string, string> | null = null;
  if (existsSync(indexPath)) {
    const index = readJson(dir, 'model.safetensors.index.json') as { weight_map?: unknown };
    if (typeof index.weight_map !== 'object' || index.weight_map === null) {
      throw new CheckpointError(`${indexPath}: field 'weight_map' is missing`);
    }
    weightMap = index.weight_map as Record<string, string>;
    files = [...new Set(Object.values(weightMap))].sort();
  } else if (existsSync(join(dir, 'model.safetensors'))) {
    files = ['model.safetensors'];
  } else {
    throw new CheckpointError(`${dir}: neither model.safetensors nor model.safetensors.index.json exists`);
  }
  const all = new Map<string, Tensor>();
  files.forEach((file, i) => {
    const path = join(dir, file);
    if (!existsSync(path)) throw new CheckpointError(`${path}: shard listed in the index is missing`);
    const bytes = kernels.mapFile(path);
    const { tensors } = parseSafetensors(bytes, path);
    for (const [name, t] of tensors) {
      if (weightMap && weightMap[name] !== file) continue;
      all.set(name, t);
    }
    opts.onProgress?.({ stage: 'shard', file, index: i + 1, total: files.length, bytes: bytes.byteLength });
  });
  if (weightMap) {
    for (const [name, file] of Object.entries(weightMap)) {
      if (!all.has(name)) throw new CheckpointError(`${join(dir, file)}: tensor '${name}' listed in the index is missing`);
    }
  }
  return all;
}

class TensorSource {
  constructor(
    private readonly tensors: Map<string, Tensor>,
    private readonly dir: string,
  ) {}

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  get(name: string, shape: number[]): Tensor {
    const t = this.tensors.get(name);
    if (!t) throw new CheckpointError(`${this.dir}: tensor '${name}' is missing`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new CheckpointError(`${this.dir}: tensor '${name}' has shape [${t.shape}], expected [${shape}]`);
    }
    return t;
  }

  vector(name: string, size: number): Float32Array {
    return toF32(this.get(name, [size]));
  }
}

function attentionWeights(src: TensorSource, c: ModelConfig, p: string): AttentionWeights {
  const qDim = c.numHeads * c.headDim;
  const kvDim = c.numKvHeads * c.headDim;
  const normSize = (dim: number) => (c.qkNorm === 'per-head' ? c.headDim : dim);
  return {
    q: src.get(`${p}.q_proj.weight`, [qDim, c.hiddenSize]),
    k: src.get(`${p}.k_proj.weight`, [kvDim, c.hiddenSize]),
    v: src.get(`${p}.v_proj.weight`, [kvDim, c.hiddenSize]),
    o: src.get(`${p}.o_proj.weight`, [c.hiddenSize, qDim]),
    qBias: c.attentionBias ? src.vector(`${p}.q_proj.bias`, qDim) : null,
    kBias: c.attentionBias ? src.vector(`${p}.k_proj.bias`, kvDim) : null,
    vBias: c.attentionBias ? src.vector(`${p}.v_proj.bias`, kvDim) : null,
    qNorm: c.qkNorm === 'none' ? null : src.vector(`${p}.q_norm.weight`, normSize(qDim)),
    kNorm: c.qkNorm === 'none' ? null : src.vector(`${p}.k_norm.weight`, normSize(kvDim)),
  };
}

/**
 * The experts of one MoE block in either checkpoint layout: one tensor per expert and projection (the
 * Hub's usual files), or transformers v5's packed `experts.gate_up_proj` [E, 2I, H] (gate rows first)
 * and `experts.down_proj` [E, H, I], which the native layer takes as they are.
 */
function expertWeights(src: TensorSource, c: ModelConfig, block: string): ExpertWeights {
  const h = c.hiddenSize;
  const i = c.moeIntermediateSize;
  const e = c.routing.numExperts;
  if (src.has(`${block}.experts.gate_up_proj`)) {
    return {
      layout: 'packed',
      gateUp: src.get(`${block}.experts.gate_up_proj`, [e, 2 * i, h]),
      down: src.get(`${block}.experts.down_proj`, [e, h, i]),
    };
  }
  // Mixtral names its experts w1 (gate), w3 (up), w2 (down).
  const [gate, up, down] = c.family === 'mixtral' ? ['w1', 'w3', 'w2'] : ['gate_proj', 'up_proj', 'down_proj'];
  const ids = Array.from({ length: e }, (_, j) => j);
  return {
    layout: 'per-expert',
    gate: ids.map((j) => src.get(`${block}.experts.${j}.${gate}.weight`, [i, h])),
    up: ids.map((j) => src.get(`${block}.experts.${j}.${up}.weight`, [i, h])),
    down: ids.map((j) => src.get(`${block}.experts.${j}.${down}.weight`, [h, i])),
  };
}

function moeWeights(src: TensorSource, c: ModelConfig, p: string): MoeLayerWeights {
  const h = c.hiddenSize;
  const e = c.routing.numExperts;
  // Mixtral's block is block_sparse_moe in the Hub's checkpoints and mlp when saved by transformers v5.
  const block = c.family === 'mixtral' && !src.has(`${p}.mlp.gate.weight`) ? `${p}.block_sparse_moe` : `${p}.mlp`;
  const weights: MoeLayerWeights = { router: src.get(`${block}.gate.weight`, [e, h]), experts: expertWeights(src, c, block) };
  const is = c.sharedExpertIntermediateSize;
  if (is > 0) {
    weights.shared = {
      gate: src.get(`${block}.shared_expert.gate_proj.weight`, [is, h]),
      up: src.get(`${block}.shared_expert.up_proj.weight`, [is, h]),
      down: src.get(`${block}.shared_expert.down_proj.weight`, [h, is]),
      sharedGate: src.get(`${block}.shared_expert_gate.weight`, [1, h]),
    };
  }
  return weights;
}

function ffnWeights(src: TensorSource, c: ModelConfig, layer: number, p: string): FeedForwardWeights {
  if (c.sparseLayers[layer]) return { kind: 'moe', moe: moeWeights(src, c, p) };
  const i = c.denseIntermediateSize;
  if (i <= 0) throw new CheckpointError(`config.json: field 'intermediate_size' is needed for dense layer ${layer}`);
  const h = c.hiddenSize;
  return {
    kind: 'dense',
    mlp: {
      gate: src.get(`${p}.mlp.gate_proj.weight`, [i, h]),
      up: src.get(`${p}.mlp.up_proj.weight`, [i, h]),
      down: src.get(`${p}.mlp.down_proj.weight`, [h, i]),
    },
  };
}

/** Loads and validates a checkpoint directory. Tensor data are views into memory-mapped shards. */
export function loadCheckpoint(dir: string, opts: LoadOptions = {}): ModelWeights {
  const config = loadConfig(dir);
  const src = new TensorSource(mapTensors(dir, opts), dir);
  const h = config.hiddenSize;
  const layers: LayerWeights[] = [];
  for (let l = 0; l < config.numLayers; l++) {
    const p = `model.layers.${l}`;
    layers.push({
      inputNorm: src.vector(`${p}.input_layernorm.weight`, h),
      postAttentionNorm: src.vector(`${p}.post_attention_layernorm.weight`, h),
      attention: attentionWeights(src, config, `${p}.self_attn`),
      ffn: ffnWeights(src, config, l, p),
    });
    opts.onProgress?.({ stage: 'layer', index: l + 1, total: config.numLayers });
  }
  const embed = src.get('model.embed_tokens.weight', [config.vocabSize, h]);
  const untied = !config.tieWordEmbeddings || src.has('lm_head.weight');
  return {
    config,
    embed,
    layers,
    finalNorm: src.vector('model.norm.weight', h),
    lmHead: untied ? src.get('lm_head.weight', [config.vocabSize, h]) : embed,
  };
}
