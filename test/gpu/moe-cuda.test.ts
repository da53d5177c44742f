// The CUDA path held to the same reference tests as the CPU. Skipped, with a visible message, on
// machines without a usable GPU (the addon then still loads and runs on the CPU).
import { describe, expect, it } from 'vitest';
import { bindMoeLayer, deviceInfo, linear, moeForward, referenceMoeForward } from '../../gpu-service/src/moe/index.js';
import type { DType } from '../../gpu-service/src/moe/index.js';
import { decode, encode } from '../../gpu-service/src/moe/dtype.js';
import { randomActivations, randomLayer, relativeError, testCases } from '../../gpu-service/src/moe/fixtures.js';
import { mulberry32 } from '../../gpu-service/src/random.js';

const info = deviceInfo();
const cuda = info.cuda.available;
if (!cuda) console.warn(`[moe-cuda] CUDA path skipped: no usable GPU (${info.cuda.reason})`);

/**
 * max|y - y_ref| / max|y_ref|. Tensor cores take the activations (and the gate/up intermediate)
 * rounded to the weight type: bf16 keeps 8 mantissa bits, f16 11. f32 weights use f32 FMA.
 */
const TOLERANCE: Record<DType, number> = { bf16: 2e-2, f16: 5e-3, f32: 1e-5 };

describe('CUDA path', () => {
  it('reports its device or why it is unavailable', () => {
    expect(info.cuda.available ? info.cuda.name : info.cuda.reason).toMatch(/\w/);
  });

  it.skipIf(!cuda).each(testCases())('moeForward $name', ({ spec, tokens }) => {
    const { routing, weights } = randomLayer(spec, 7);
    const x = randomActivations(tokens, spec.hidden, 11);
    const ref = referenceMoeForward(x, tokens, routing, weights);
    const got = moeForward(x, tokens, routing, weights, { device: 'cuda' });
    expect(Array.from(got.topkIds)).toEqual(Array.from(ref.topkIds));
    expect(relativeError(got.topkWeights, ref.topkWeights)).toBeLessThan(2e-6);
    expect(relativeError(got.y, ref.y)).toBeLessThan(TOLERANCE[spec.dtype]);
  });

  it.skipIf(!cuda)('runs every token and leaves the rows outside outputTokens zero, as the CPU does', () => {
    const { routing, weights } = randomLayer(
      { family: 'qwen2_moe', experts: 8, topK: 2, hidden: 64, inter: 32, dtype: 'bf16', layout: 'per-expert', sharedInter: 48 },
      4,
    );
    const layer = bindMoeLayer(routing, weights, { device: 'cuda' });
    const x = randomActivations(6, 64, 2);
    const all = layer.forward(x, 6);
    const some = layer.forward(x, 6, { outputTokens: Int32Array.from([1, 5]) });
    expect(some.topkIds).toEqual(all.topkIds);
    for (let t = 0; t < 6; t++) {
      const row = (y: Float32Array) => Array.from(y.subarray(t * 64, (t + 1) * 64));
      expect(row(some.y)).toEqual(t === 1 || t === 5 ? row(all.y) : new Array(64).fill(0));
    }
    layer.dispose();
  });

  it.skipIf(!cuda).each(['bf16', 'f16', 'f32'] as const)('linear with %s weights', (dtype) => {
    for (const [T, N, K] of [
      [1, 7, 32],
      [70, 96, 64],
      [3, 130, 200],
    ] as const) {
      const r = mulberry32(T * N + K);
      const bytes = encode(
        Float32Array.from({ length: N * K }, () => r() - 0.5),
        dtype,
      );
      const x = randomActivations(T, K, N);
      const y = linear(x, T, { dtype, shape: [N, K], data: bytes }, { device: 'cuda' });
      const w = decode(bytes, dtype, 0, N * K);
      const ref = new Float32Array(T * N);
      for (let t = 0; t < T; t++)
        for (let n = 0; n < N; n++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += x[t * K + k]! * w[n * K + k]!;
          ref[t * N + n] = s;
        }
      expect(relativeError(y, ref)).toBeLessThan(TOLERANCE[dtype]);
    }
  });

  it.skipIf(!cuda)('refuses shapes the kernels cannot run when binding, before anything is uploaded or queued', () => {
    const bad = randomLayer({ family: 'mixtral', experts: 8, topK: 2, hidden: 12, inter: 16, dtype: 'bf16', layout: 'packed' }, 3);
    const before = deviceInfo().cuda.allocatedBytes;
    expect(() => bindMoeLayer(bad.routing, bad.weights, { device: 'cuda' })).toThrow(RangeError);
    expect(() => moeForward(randomActivations(2, 12, 1), 2, bad.routing, bad.weights, { device: 'cuda' })).toThrow(
      /hidden size \(12\) must be a multiple of 8 on CUDA/,
    );
    expect(() => linear(new Float32Array(12), 1, { dtype: 'bf16', shape: [4, 12], data: new Uint8Array(96) }, { device: 'cuda' })).toThrow(
      /K \(shape\[1\]\) \(12\) must be a multiple of 8 on CUDA/,
    );
    expect(deviceInfo().cuda.allocatedBytes).toBe(before);
    // Nothing of the refused calls is left on the stream: the next call is right.
    const { spec, tokens } = testCases()[0]!;
    const { routing, weights } = randomLayer(spec, 7);
    const x = randomActivations(tokens, spec.hidden, 11);
    expect(relativeError(moeForward(x, tokens, routing, weights, { device: 'cuda' }).y, referenceMoeForward(x, tokens, routing, weights).y)).toBeLessThan(
      TOLERANCE[spec.dtype],
    );
  });

  it.skipIf(!cuda)("keeps a layer's weights on the device while it is bound, and frees them on dispose", () => {
    const spec = { family: 'olmoe', experts: 16, topK: 4, hidden: 64, inter: 32, dtype: 'bf16', layout: 'packed' } as const;
    const { routing, weights } = randomLayer(spec, 2);
    const x = randomActivations(8, spec.hidden, 2);
    moeForward(x, 8, routing, weights, { device: 'cuda' }); // sizes the scratch buffers for this shape
    const before = deviceInfo().cuda.allocatedBytes!;
    const layer = bindMoeLayer(routing, weights, { device: 'cuda' });
    const weightBytes = 3 * spec.experts * spec.hidden * spec.inter * 2;
    expect(deviceInfo().cuda.allocatedBytes! - before).toBeGreaterThanOrEqual(weightBytes);
    const first = layer.forward(x, 8);
    for (let i = 0; i < 5; i++) expect(layer.forward(x, 8).y).toEqual(first.y);
    layer.dispose();
    expect(deviceInfo().cuda.allocatedBytes).toBe(before);
    // One-shot calls bind and dispose each time: nothing accumulates.
    for (let i = 0; i < 10; i++) moeForward(x, 8, routing, weights, { device: 'cuda' });
    expect(deviceInfo().cuda.allocatedBytes).toBe(before);
  });
});
