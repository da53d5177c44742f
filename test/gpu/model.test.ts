// Served forward pass (KV cache, batching, kernels from gpu-service/src/model/kernels.ts) against the
// plain TypeScript reference forward, on the random demo checkpoint of every family.
//
// Tolerance: max |logit - reference| <= tol * max(1, max |reference logit|), and the same argmax. tol is
// 1e-4 on the f32-compute CPU kernels (f32 accumulation in both; observed ~1e-7 relative) and 2e-2 where
// activations meet bf16 weights in bf16 (CUDA tensor cores, and the AVX512-BF16 / AMX CPU kernels, which
// round activations to bf16 as the hardware requires; observed ~4e-3 relative).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseSafetensors, serializeSafetensors } from '../../gpu-service/src/checkpoint/safetensors.js';
import type { Tensor } from '../../gpu-service/src/moe/index.js';
import { loadCheckpoint } from '../../gpu-service/src/checkpoint/load.js';
import type { ServedFamily } from '../../gpu-service/src/checkpoint/config.js';
import { ensureDemoCheckpoint } from '../../gpu-service/src/demo/write.js';
import { ModelRunner } from '../../gpu-service/src/model/forward.js';
import { deviceInfo, type CpuIsa, type DType } from '../../gpu-service/src/moe/index.js';
import { kernels } from '../../gpu-service/src/model/kernels.js';
import { KvCache } from '../../gpu-service/src/model/kv-cache.js';
import { argmax } from '../../gpu-service/src/engine/sampler.js';
import { referenceForward } from '../../gpu-service/src/reference/forward.js';

const BF16_ACTIVATION_ISAS: readonly CpuIsa[] = ['avx512bf16', 'amx'];

function tolerance(dtype: DType): number {
  if (kernels.device() === 'cuda') return 2e-2;
  return dtype === 'bf16' && BF16_ACTIVATION_ISAS.includes(deviceInfo().cpu.defaultIsa) ? 2e-2 : 1e-4;
}
const FAMILIES: ServedFamily[] = ['mixtral', 'qwen2_moe', 'qwen3_moe', 'olmoe'];

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

function expectClose(actual: Float32Array, expected: Float32Array, tol: number): void {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  for (let i = 0; i < actual.length; i++) diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
  expect(diff).toBeLessThanOrEqual(tol * Math.max(1, maxAbs(expected)));
  expect(argmax(actual)).toBe(argmax(expected));
}

describe.each(FAMILIES)('%s demo checkpoint', (family) => {
  const weights = loadCheckpoint(ensureDemoCheckpoint(family));
  const tol = tolerance(weights.lmHead.dtype);
  const c = weights.config;
  const newCache = () => new KvCache(c.numLayers, c.numKvHeads * c.headDim, 4);
  const a = [1, 450, 4996, 17354, 1701, 29916, 432];
  const b = [1, 3681, 338, 263];

  it('matches the reference forward with prefill then cached decode steps', async () => {
    const runner = new ModelRunner(weights);
    const cache = newCache();
    await runner.forward([{ cache, tokens: a.slice(0, 4) }]);
    await runner.forward([{ cache, tokens: a.slice(4, 6) }]);
    const out = await runner.forward([{ cache, tokens: a.slice(6) }]);
    expect(cache.length).toBe(a.length);
    expectClose(out.logits[0]!, referenceForward(weights, a).logits, tol);
  });

  it('gives every sequence of a mixed batch its own reference logits', async () => {
    const runner = new ModelRunner(weights);
    const ca = newCache();
    const cb = newCache();
    await runner.forward([{ cache: ca, tokens: a.slice(0, 5) }]);
    // One decoding sequence and one prefilling sequence share the pass.
    const out = await runner.forward([
      { cache: ca, tokens: a.slice(5) },
      { cache: cb, tokens: b },
    ]);
    expectClose(out.logits[0]!, referenceForward(weights, a).logits, tol);
    expectClose(out.logits[1]!, referenceForward(weights, b).logits, tol);
  });

  it('reports the same expert choices as the reference', async () => {
    const out = await new ModelRunner(weights).forward([{ cache: newCache(), tokens: b }]);
    const ref = referenceForward(weights, b);
    ref.experts.forEach((layer, l) => {
      const ids = out.topkIds[l]!;
      if (!c.sparseLayers[l]) return expect(ids.length).toBe(0);
      layer.forEach((experts, t) => expect([...ids.subarray(t * c.routing.topK, (t + 1) * c.routing.topK)].sort()).toEqual([...experts].sort()));
    });
  });
});

describe('logits CLI', () => {
  it('prints {"logits": [...]} on its last line, equal to the reference', () => {
    const dir = ensureDemoCheckpoint('mixtral');
    const ids = [1, 22557, 1526];
    // The documented form, with DIR relative to where npm is run (the script itself runs in gpu-service/).
    const args = ['run', '-w', 'gpu-service', 'logits', '--', '--model', relative(process.cwd(), dir), '--ids', ids.join(',')];
    const run = spawnSync('npm', args, { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const last = run.stdout.trim().split('\n').at(-1)!;
    const { logits } = JSON.parse(last) as { logits: number[] };
    const weights = loadCheckpoint(dir);
    expectClose(Float32Array.from(logits), referenceForward(weights, ids).logits, tolerance(weights.lmHead.dtype));
  });

  it('fails clearly on an id outside the vocabulary', () => {
    const run = spawnSync('npx', ['tsx', 'gpu-service/scripts/logits.ts', '--model', ensureDemoCheckpoint('mixtral'), '--ids', '1,999999'], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/999999 is outside the vocabulary/);
  });
});

/**
 * Rewrites a demo checkpoint the way transformers v5 saves MoE models: each block's experts packed into
 * `experts.gate_up_proj` [E, 2I, H] (gate rows, then up rows) and `experts.down_proj` [E, H, I], and
 * Mixtral's block_sparse_moe renamed mlp. One model.safetensors, same config and tokenizer.
 */
function repackExperts(src: string, out: string, family: ServedFamily): void {
  const tensors = new Map<string, Tensor>();
  for (const f of readdirSync(src).filter((n) => n.endsWith('.safetensors'))) {
    const path = join(src, f);
    for (const [name, t] of parseSafetensors(readFileSync(path), path).tensors) tensors.set(name, t);
  }
  const [gate, up, down] = family === 'mixtral' ? ['w1', 'w3', 'w2'] : ['gate_proj', 'up_proj', 'down_proj'];
  const expert = /^(model\.layers\.\d+)\.(block_sparse_moe|mlp)\.experts\.(\d+)\.(\w+)\.weight$/;
  const packed = new Map<string, { gate: Tensor[]; up: Tensor[]; down: Tensor[] }>();
  const rest: Array<[string, Tensor]> = [];
  for (const [name, t] of tensors) {
    const m = expert.exec(name);
    if (!m) {
      rest.push([name.replace('.block_sparse_moe.', '.mlp.'), t]);
      continue;
    }
    const block = `${m[1]}.mlp`;
    const entry = packed.get(block) ?? { gate: [], up: [], down: [] };
    packed.set(block, entry);
    const part = m[4] === gate ? entry.gate : m[4] === up ? entry.up : m[4] === down ? entry.down : null;
    part![Number(m[3])] = t;
  }
  for (const [block, e] of packed) {
    const [i, h] = e.gate[0]!.shape as [number, number];
    const bytes = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
    const dtype = e.gate[0]!.dtype;
    rest.push([`${block}.experts.gate_up_proj`, { dtype, shape: [e.gate.length, 2 * i, h], data: bytes(e.gate.flatMap((g, j) => [g.data, e.up[j]!.data])) }]);
    rest.push([`${block}.experts.down_proj`, { dtype, shape: [e.down.length, h, i], data: bytes(e.down.map((d) => d.data)) }]);
  }
  writeFileSync(join(out, 'model.safetensors'), Buffer.concat(serializeSafetensors(rest, { format: 'pt' })));
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(src, f), join(out, f));
}

describe('packed expert checkpoints (transformers v5 layout)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'conclave-packed-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it.each(['mixtral', 'qwen2_moe'] as const)('%s: the same weights packed give the same logits and experts', async (family) => {
    const src = ensureDemoCheckpoint(family);
    const out = mkdtempSync(join(scratch, `${family}-`));
    repackExperts(src, out, family);
    const perExpert = loadCheckpoint(src);
    const packed = loadCheckpoint(out);
    const moe = packed.layers[0]!.ffn;
    expect(moe.kind === 'moe' && moe.moe.experts.layout).toBe('packed');
    const c = packed.config;
    const ids = [1, 450, 4996, 17354];
    const run = (w: typeof packed) => new ModelRunner(w).forward([{ cache: new KvCache(c.numLayers, c.numKvHeads * c.headDim, 4), tokens: ids }]);
    const [a, b] = [await run(perExpert), await run(packed)];
    // Same bytes through the same kernels: identical, not merely close.
    expect(Array.from(b.logits[0]!)).toEqual(Array.from(a.logits[0]!));
    expect(b.topkIds.map((l) => Array.from(l))).toEqual(a.topkIds.map((l) => Array.from(l)));
    expectClose(b.logits[0]!, referenceForward(packed, ids).logits, tolerance(packed.lmHead.dtype));
  });

  it('names a packed tensor of the wrong shape', () => {
    const out = mkdtempSync(join(scratch, 'bad-'));
    repackExperts(ensureDemoCheckpoint('mixtral'), out, 'mixtral');
    const path = join(out, 'model.safetensors');
    const bytes = readFileSync(path);
    const { tensors } = parseSafetensors(bytes, path);
    const entries = [...tensors].map(([name, t]): [string, Tensor] =>
      name === 'model.layers.1.mlp.experts.down_proj' ? [name, { ...t, shape: [8, 32, 192] }] : [name, t],
    );
    writeFileSync(path, Buffer.concat(serializeSafetensors(entries)));
    expect(() => loadCheckpoint(out)).toThrow(/tensor 'model\.layers\.1\.mlp\.experts\.down_proj' has shape \[8,32,192\], expected \[8,64,96\]/);
  });
});

describe('binding a model', () => {
  it('releases what it had bound when a later tensor is refused', () => {
    const weights = loadCheckpoint(ensureDemoCheckpoint('mixtral'));
    const linears = vi.spyOn(kernels, 'bindLinear');
    const moes = vi.spyOn(kernels, 'bindMoeLayer');
    const held = () => deviceInfo().cuda.allocatedBytes ?? 0; // device memory, on CUDA (the device check)
    const before = held();
    try {
      // The LM head is bound last: every projection and MoE block before it is already bound.
      const lmHead = { ...weights.lmHead, data: weights.lmHead.data.subarray(1) };
      expect(() => new ModelRunner({ ...weights, lmHead })).toThrow(/w\.data has \d+ bytes/);
      const bound = [...linears.mock.results, ...moes.mock.results]
        .filter((r) => r.type === 'return')
        .map((r) => r.value as { forward(x: Float32Array, t: number): unknown });
      expect(bound.length).toBeGreaterThan(weights.layers.length);
      for (const op of bound) expect(() => op.forward(new Float32Array(weights.config.hiddenSize), 1)).toThrow(/disposed/);
      expect(held()).toBe(before);
    } finally {
      linears.mockRestore();
      moes.mockRestore();
    }
  });
});
