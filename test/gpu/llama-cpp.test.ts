// llama.cpp as a second, independent reference: every demo checkpoint exported to GGUF by
// gpu-service/src/gguf loads in llama.cpp (node-llama-cpp's CPU prebuilt, installed on first use into
// gpu-service/.llama-cpp), tokenizes text as the checkpoint's own tokenizer does, and gives the served
// model's last-position logits on the same ids; f32 copies give the same 32 greedy tokens.
//
// Tolerance: max |logit - llama.cpp| <= tol * max(1, max |llama.cpp logit|), as in model.test.ts: 1e-4 for
// f32 checkpoints (both engines compute in f32; llama.cpp's KV cache set to f32 here), 2e-2 for bf16 and
// f16 ones (llama.cpp rounds activations to the weights' half type before each product).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../gpu-service/src/checkpoint/load.js';
import type { ServedFamily } from '../../gpu-service/src/checkpoint/config.js';
import { DEMO_SPECS, type DemoSpec } from '../../gpu-service/src/demo/families.js';
import { ensureCheckpoint } from '../../gpu-service/src/demo/write.js';
import { argmax } from '../../gpu-service/src/engine/sampler.js';
import { exportGguf } from '../../gpu-service/src/gguf/export.js';
import { ModelRunner } from '../../gpu-service/src/model/forward.js';
import { KvCache } from '../../gpu-service/src/model/kv-cache.js';
import type { ModelWeights } from '../../gpu-service/src/model/weights.js';
import { loadLlamaCpp, type Llama, type LlamaSequence } from '../../gpu-service/src/peer/llama-cpp.js';
import { ModelTokenizer } from '../../gpu-service/src/tokenizer/tokenizer.js';
import { CheckpointError } from '../../gpu-service/src/errors.js';

/** The Qwen3 demo makes layer 1 dense, which llama.cpp's qwen3moe cannot express: this copy is all sparse. */
const QWEN3_SPARSE: DemoSpec = {
  ...DEMO_SPECS.qwen3_moe,
  name: 'qwen3-moe-sparse-tiny-random',
  config: { ...DEMO_SPECS.qwen3_moe.config, mlp_only_layers: [] },
};

const SPECS: Record<ServedFamily, DemoSpec> = { ...DEMO_SPECS, qwen3_moe: QWEN3_SPARSE };
const FAMILIES = Object.keys(SPECS) as ServedFamily[];

function f32Copy(spec: DemoSpec): DemoSpec {
  return { ...spec, name: `${spec.name}-f32`, dtype: 'f32', config: { ...spec.config, torch_dtype: 'float32' } };
}

const IDS = [1, 450, 4996, 17354, 1701, 29916, 432, 338];
const TEXT = 'Hello world, this is a test. 3.14159 ünïcödé — 你好';

let llama: Llama;
const out = mkdtempSync(join(tmpdir(), 'conclave-gguf-'));

beforeAll(async () => {
  llama = await loadLlamaCpp((line) => process.stderr.write(`${line}\n`));
}, 600_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function llamaSequence(spec: DemoSpec, dir: string) {
  const file = join(out, `${spec.name}.gguf`);
  exportGguf(dir, file);
  const model = await llama.loadModel({ modelPath: file });
  const context = await model.createContext({
    contextSize: 64,
    threads: 1,
    flashAttention: false,
    experimentalKvCacheKeyType: 'F32',
    experimentalKvCacheValueType: 'F32',
  });
  return {
    model,
    sequence: context.getSequence(),
    dispose: async () => {
      await context.dispose();
      await model.dispose();
    },
  };
}

/** Feeds `ids` and returns the logits after the last one, as a dense vector. */
async function llamaLogits(sequence: LlamaSequence, ids: number[], vocab: number): Promise<Float32Array> {
  const res = await sequence.controlledEvaluate(ids.map((id, i) => (i === ids.length - 1 ? [id, { generateNext: { logits: true } }] : id)));
  const map = res[res.length - 1]?.next.logits;
  if (!map) throw new Error('llama.cpp returned no logits');
  expect(map.size).toBe(vocab);
  const dense = new Float32Array(vocab);
  for (const [id, v] of map) dense[id] = v;
  return dense;
}

async function servedLogits(runner: ModelRunner, cache: KvCache, ids: number[]): Promise<Float32Array> {
  return (await runner.forward([{ cache, tokens: ids }])).logits[0]!;
}

function newCache(w: ModelWeights): KvCache {
  const c = w.config;
  return new KvCache(c.numLayers, c.numKvHeads * c.headDim, 64);
}

function relativeError(actual: Float32Array, expected: Float32Array): number {
  let diff = 0;
  let max = 1;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    max = Math.max(max, Math.abs(expected[i]!));
  }
  return diff / max;
}

describe.each(FAMILIES)('%s demo checkpoint in llama.cpp', (family) => {
  const spec = SPECS[family];

  it('loads, tokenizes like the checkpoint and gives the served logits', async () => {
    const dir = ensureCheckpoint(spec);
    const weights = loadCheckpoint(dir);
    const tol = spec.dtype === 'f32' ? 1e-4 : 2e-2;
    const peer = await llamaSequence(spec, dir);
    try {
      expect(peer.model.tokenize(TEXT)).toEqual(ModelTokenizer.load(dir).encode(TEXT, false));
      const expected = await llamaLogits(peer.sequence, IDS, weights.config.vocabSize);
      const actual = await servedLogits(new ModelRunner(weights), newCache(weights), IDS);
      const err = relativeError(actual, expected);
      process.stderr.write(`${spec.name} (${spec.dtype}): max |served - llama.cpp| / max(1, |llama.cpp|) = ${err.toExponential(2)}\n`);
      expect(err).toBeLessThanOrEqual(tol);
      expect(argmax(actual)).toBe(argmax(expected));
    } finally {
      await peer.dispose();
    }
  });

  it('gives the same 32 greedy tokens as llama.cpp on an f32 copy', async () => {
    const f32 = f32Copy(spec);
    const dir = ensureCheckpoint(f32);
    const weights = loadCheckpoint(dir);
    const v = weights.config.vocabSize;
    const peer = await llamaSequence(f32, dir);
    try {
      const runner = new ModelRunner(weights);
      const cache = newCache(weights);
      let ours = await servedLogits(runner, cache, IDS.slice(0, 4));
      let theirs = await llamaLogits(peer.sequence, IDS.slice(0, 4), v);
      const served: number[] = [];
      const peerTokens: number[] = [];
      let worst = 0;
      for (let step = 0; step < 32; step++) {
        worst = Math.max(worst, relativeError(ours, theirs));
        served.push(argmax(ours));
        peerTokens.push(argmax(theirs));
        if (served[step] !== peerTokens[step]) break;
        ours = await servedLogits(runner, cache, [served[step]!]);
        theirs = await llamaLogits(peer.sequence, [peerTokens[step]!], v);
      }
      process.stderr.write(`${f32.name}: 32 greedy steps, worst relative logit error ${worst.toExponential(2)}\n`);
      expect(served).toEqual(peerTokens);
      expect(served).toHaveLength(32);
    } finally {
      await peer.dispose();
    }
  });
});

describe('GGUF export refusals', () => {
  it('refuses a checkpoint llama.cpp would compute differently, naming the field', () => {
    const dir = ensureCheckpoint(DEMO_SPECS.qwen3_moe);
    const file = join(out, 'refused.gguf');
    expect(() => exportGguf(dir, file)).toThrow(CheckpointError);
    expect(() => exportGguf(dir, file)).toThrow(/mlp_only_layers' makes layers 1 dense/);
  });
});
