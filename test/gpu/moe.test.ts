// Native CPU MoE layer vs the TypeScript reference, for every family, dtype, layout and every CPU
// kernel level this machine has (portable, AVX2, AVX-512, and AVX512-BF16 / AMX where present).
import { describe, expect, it } from 'vitest';
import { deviceInfo, linear, moeForward, referenceMoeForward } from '../../gpu-service/src/moe/index.js';
import type { CpuIsa, DType } from '../../gpu-service/src/moe/index.js';
import { decode, encode } from '../../gpu-service/src/moe/dtype.js';
import { randomActivations, randomLayer, relativeError, testCases } from '../../gpu-service/src/moe/fixtures.js';
import { mulberry32 } from '../../gpu-service/src/random.js';

/**
 * Tolerance on max|y - y_ref| / max|y_ref|. Weights decode exactly to f32, so every dtype gets the
 * f32 tolerance on the f32-compute kernels; the AVX512-BF16 and AMX kernels round activations to
 * bf16 (8-bit mantissa) before the dot products.
 */
function tolerance(dtype: DType, isa: CpuIsa): number {
  return dtype === 'bf16' && (isa === 'avx512bf16' || isa === 'amx') ? 2e-2 : 1e-5;
}

const isas = deviceInfo().cpu.isas;

describe.each(isas)('moeForward on cpu (%s)', (isa) => {
  it.each(testCases())('$name', ({ spec, tokens }) => {
    const { routing, weights } = randomLayer(spec, 7);
    const x = randomActivations(tokens, spec.hidden, 11);
    const ref = referenceMoeForward(x, tokens, routing, weights);
    const got = moeForward(x, tokens, routing, weights, { device: 'cpu', cpuIsa: isa });
    expect(Array.from(got.topkIds)).toEqual(Array.from(ref.topkIds));
    // Routing runs in f32 on every path: weights agree to f32 rounding (relative, DeepSeek scales by 16).
    expect(relativeError(got.topkWeights, ref.topkWeights)).toBeLessThan(2e-6);
    expect(relativeError(got.y, ref.y)).toBeLessThan(tolerance(spec.dtype, isa));
  });
});

describe.each(isas)('linear on cpu (%s)', (isa) => {
  it.each(['bf16', 'f16', 'f32'] as const)('%s weights, tails and many tokens', (dtype) => {
    // 37 and 70 tokens: bf16 runs on the AVX512-BF16 panel kernel where it exists (N not a whole panel, K tails).
    for (const [T, N, K] of [
      [1, 7, 33],
      [37, 96, 64],
      [3, 130, 200],
      [70, 130, 200],
    ] as const) {
      const r = mulberry32(T * N + K);
      const w = Float32Array.from({ length: N * K }, () => r() - 0.5);
      const bytes = encode(w, dtype);
      const x = randomActivations(T, K, N);
      const y = linear(x, T, { dtype, shape: [N, K], data: bytes }, { device: 'cpu', cpuIsa: isa });
      // Reference on the dtype-rounded weights, read back from the encoded bytes.
      const wr = decode(bytes, dtype, 0, N * K);
      const ref = new Float32Array(T * N);
      for (let t = 0; t < T; t++)
        for (let n = 0; n < N; n++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += x[t * K + k]! * wr[n * K + k]!;
          ref[t * N + n] = s;
        }
      expect(relativeError(y, ref)).toBeLessThan(tolerance(dtype, isa));
    }
  });
});

describe('moeForward edge cases', () => {
  it('zero tokens gives empty results', () => {
    const { routing, weights } = randomLayer({ family: 'mixtral', experts: 4, topK: 2, hidden: 32, inter: 16, dtype: 'f32', layout: 'packed' }, 1);
    const r = moeForward(new Float32Array(0), 0, routing, weights, { device: 'cpu' });
    expect(r.y.length).toBe(0);
    expect(r.topkIds.length).toBe(0);
  });

  it('back-to-back calls of different sizes on the thread pool stay bit-identical', () => {
    // Each call hands out hundreds of tasks; a task lost, or run with another call's arguments, shows here.
    const spec = { family: 'qwen2_moe', experts: 16, topK: 4, hidden: 64, inter: 200, dtype: 'bf16', layout: 'packed', sharedInter: 96 } as const;
    const { routing, weights } = randomLayer(spec, 9);
    const inputs = [1, 3, 70, 5].map((T) => ({ T, x: randomActivations(T, spec.hidden, T) }));
    const first = inputs.map(({ T, x }) => moeForward(x, T, routing, weights, { device: 'cpu' }).y);
    for (let round = 0; round < 50; round++) {
      inputs.forEach(({ T, x }, i) => expect(moeForward(x, T, routing, weights, { device: 'cpu' }).y).toEqual(first[i]));
    }
    expect(relativeError(first[2]!, referenceMoeForward(inputs[2]!.x, 70, routing, weights).y)).toBeLessThan(tolerance('bf16', deviceInfo().cpu.defaultIsa));
  });

  it('many tokens on few experts (large per-expert GEMMs) matches the reference', () => {
    const spec = { family: 'qwen3_moe', experts: 4, topK: 2, hidden: 128, inter: 64, dtype: 'bf16', layout: 'packed' } as const;
    const { routing, weights } = randomLayer(spec, 3);
    const x = randomActivations(200, spec.hidden, 4);
    const ref = referenceMoeForward(x, 200, routing, weights);
    const got = moeForward(x, 200, routing, weights, { device: 'cpu' });
    expect(Array.from(got.topkIds)).toEqual(Array.from(ref.topkIds));
    expect(relativeError(got.y, ref.y)).toBeLessThan(tolerance('bf16', deviceInfo().cpu.defaultIsa));
  });
});
