// Served forward pass (KV cache, batching, kernels from gpu-service/src/model/kernels.ts) against the
// plain TypeScript reference forward, on the random demo checkpoint of every family.
//
// Tolerance: max |logit - reference| <= tol * max(1, max |reference logit|), and the same argmax. tol is
// 1e-4 on the f32-compute CPU kernels (f32 accumulation in both; observed ~1e-7 relative) and 2e-2 where
// activations meet bf16 weights in bf16 (CUDA tensor cores, and the AVX512-BF16 / AMX CPU kernels, which
// round activations to bf16 as the hardware requires; observed ~4e-3 relative).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
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
    const run = spawnSync('npx', ['tsx', 'gpu-service/scripts/logits.ts', '--model', dir, '--ids', ids.join(',')], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const last = run.stdout.trim().split('\n').at(-1)!;
    const { logits } = JSON.parse(last) as { logits: number[] };
    const weights = loadCheckpoint(dir);
    expectClose(Float32Array.from(logits), referenceForward(weights, ids).logits, tolerance(weights.lmHead.dtype));
  });

  it('fails clearly on an id outside the vocabulary', () => {
    const run = spawnSync('npx', ['tsx', 'gpu-service/scripts/logits.ts', '--model', ensureDemoCheckpoint('mixtral'), '--ids', '1,999999'], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/999999 is outside the vocabulary/);
  });
});
