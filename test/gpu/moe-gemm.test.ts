// The CPU GEMM drivers (gemm/driver.h, one template instantiated per ISA): every ISA's results are
// bit-identical to those of the per-ISA copies it replaced (hashes recorded from them), and a row's
// result does not depend on how many rows are computed with it (tile shape, token blocking).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deviceInfo, linear } from '../../gpu-service/src/moe/index.js';
import type { CpuIsa, DType } from '../../gpu-service/src/moe/index.js';
import { encode } from '../../gpu-service/src/moe/dtype.js';
import { randomActivations } from '../../gpu-service/src/moe/fixtures.js';
import { mulberry32 } from '../../gpu-service/src/random.js';

/** [T, N, K]: edge tiles in M and N, K tails of every SIMD width, and a long K. */
const SHAPES = [[1, 7, 33], [5, 96, 64], [37, 130, 200], [70, 64, 2048]] as const;
const DTYPES: DType[] = ['bf16', 'f16', 'f32'];

function weights(N: number, K: number, dtype: DType) {
  const r = mulberry32(N * 7919 + K);
  return { dtype, shape: [N, K], data: encode(Float32Array.from({ length: N * K }, () => r() - 0.5), dtype) };
}

function digest(isa: CpuIsa): string {
  const h = createHash('sha256');
  for (const dtype of DTYPES)
    for (const [T, N, K] of SHAPES) h.update(linear(randomActivations(T, K, N + K), T, weights(N, K, dtype), { device: 'cpu', cpuIsa: isa }));
  return h.digest('hex').slice(0, 16);
}

/** Recorded from the per-ISA drivers before they became one template. AMX has its own loop (tiles), not this driver. */
const RECORDED: Partial<Record<CpuIsa, string>> = {
  portable: 'f91ff446ba789c36',
  avx2: '4a5abb2d8d09ef78',
  avx512: '376e024f0b559105',
  avx512bf16: 'bd97c19340109436',
};

const isas = deviceInfo().cpu.isas.filter((isa) => isa !== 'amx');

describe.each(isas)('CPU GEMM driver (%s)', (isa) => {
  it('is bit-identical to the per-ISA drivers it replaced', () => {
    expect(digest(isa)).toBe(RECORDED[isa]);
  });

  it.each(DTYPES)('gives each row the same bits whatever the batch (%s)', (dtype) => {
    const [T, N, K] = [23, 70, 200];
    const w = weights(N, K, dtype);
    const x = randomActivations(T, K, 3);
    const all = linear(x, T, w, { device: 'cpu', cpuIsa: isa });
    for (let t = 0; t < T; t++) {
      const one = linear(x.subarray(t * K, (t + 1) * K), 1, w, { device: 'cpu', cpuIsa: isa });
      expect(all.subarray(t * N, (t + 1) * N)).toEqual(one);
    }
  });
});
