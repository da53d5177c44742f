// bindLinear's bf16 weights repacked once, when bound, into the AVX512-BF16 panel layout
// (native/src/gemm/prepacked.h), which every call then reads: results against the TypeScript sum and
// the row-major kernels at every token count the served model uses, each row's bits the same
// whatever its batch, edge shapes (N not a multiple of 64, K odd or under a k pair), the ISA cap
// falling back to the rows, and the mapped rows' pages handed back so the weights count once.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bindLinear, deviceInfo, linear } from '../../gpu-service/src/moe/index.js';
import type { CpuIsa, Tensor } from '../../gpu-service/src/moe/index.js';
import { decode, encode } from '../../gpu-service/src/moe/dtype.js';
import { randomActivations, relativeError } from '../../gpu-service/src/moe/fixtures.js';
import { mulberry32 } from '../../gpu-service/src/random.js';

const isas = deviceInfo().cpu.isas;
const hasBf16 = isas.includes('avx512bf16');
/** The AVX512-BF16 kernels round activations to bf16 (moe.test.ts's tolerance for them). */
const TOLERANCE = 2e-2;
/** [N, K]: whole panels, a partial last panel, a single row, K odd, K = 1, K under and over 32, a long K. */
const SHAPES = [
  [64, 64],
  [70, 200],
  [130, 33],
  [129, 31],
  [7, 1],
  [1, 2048],
  [200, 2048],
] as const;
const TOKENS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 23, 24, 37];

/** Runs a module body in a fresh Node process (its own CONCLAVE_MOE_ISA, its own resident memory). */
function runChild(body: string, env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', body], { encoding: 'utf8', cwd: process.cwd(), env });
}

function bf16Weights(N: number, K: number): Tensor {
  const r = mulberry32(N * 131 + K);
  return {
    dtype: 'bf16',
    shape: [N, K],
    data: encode(
      Float32Array.from({ length: N * K }, () => r() - 0.5),
      'bf16',
    ),
  };
}

function reference(x: Float32Array, T: number, w: Tensor): Float32Array {
  const [N, K] = w.shape as [number, number];
  const wr = decode(w.data, 'bf16', 0, N * K);
  const y = new Float32Array(T * N);
  for (let t = 0; t < T; t++)
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += x[t * K + k]! * wr[n * K + k]!;
      y[t * N + n] = s;
    }
  return y;
}

describe.skipIf(!hasBf16)('bindLinear on packed panels (avx512bf16)', () => {
  it.each(SHAPES)('N %i, K %i: within tolerance of the sum and of the row kernels at every token count', (N, K) => {
    const w = bf16Weights(N, K);
    const op = bindLinear(w, { device: 'cpu' });
    for (const T of TOKENS) {
      const x = randomActivations(T, K, T + N);
      const y = op.forward(x, T);
      expect(y.length).toBe(T * N);
      expect(relativeError(y, reference(x, T, w))).toBeLessThan(TOLERANCE);
      expect(relativeError(y, linear(x, T, w, { device: 'cpu' }))).toBeLessThan(TOLERANCE);
    }
    op.dispose();
  });

  it.each(SHAPES)('N %i, K %i: gives each row the same bits whatever the batch', (N, K) => {
    // One chain per output over the k pairs in order, whatever the token count: the one-token GEMV, the
    // 6-token passes and their remainders agree (the row-major kernels change order at 3 and 24 tokens).
    const op = bindLinear(bf16Weights(N, K), { device: 'cpu' });
    const all = randomActivations(40, K, 17);
    const whole = op.forward(all, 40);
    for (const T of TOKENS)
      for (const from of [0, 40 - T, Math.min(3, 40 - T)]) {
        const y = op.forward(all.subarray(from * K, (from + T) * K), T);
        expect(y).toEqual(whole.subarray(from * N, (from + T) * N));
      }
  });

  it('gives the row kernels bits when a call caps the ISA below AVX512-BF16, and with repack: false', () => {
    const w = bf16Weights(130, 200);
    const op = bindLinear(w, { device: 'cpu' });
    const rows = bindLinear(w, { device: 'cpu', repack: false });
    for (const T of [1, 3, 16, 30]) {
      const x = randomActivations(T, 200, T);
      for (const isa of isas.filter((i): i is CpuIsa => i !== 'amx' && i !== 'avx512bf16'))
        expect(op.forward(x, T, { cpuIsa: isa })).toEqual(linear(x, T, w, { device: 'cpu', cpuIsa: isa }));
      expect(rows.forward(x, T)).toEqual(linear(x, T, w, { device: 'cpu' }));
    }
  });

  it('packs nothing when CONCLAVE_MOE_ISA caps the kernels below AVX512-BF16 (an AVX-512 or AVX2 host)', () => {
    // Read once per process: a child with the cap. Every call then runs on the rows, even one asking for more.
    const child = runChild(
      `import { bindLinear, linear } from './gpu-service/src/moe/index.ts';
       import { encode } from './gpu-service/src/moe/dtype.ts';
       const w = { dtype: 'bf16', shape: [130, 200], data: encode(Float32Array.from({ length: 26000 }, (_, i) => Math.sin(i)), 'bf16') };
       const op = bindLinear(w, { device: 'cpu' });
       const same = (a, b) => a.every((v, i) => v === b[i]);
       const out = [1, 5, 30].map((T) => {
         const x = Float32Array.from({ length: T * 200 }, (_, i) => Math.cos(i));
         return same(op.forward(x, T), linear(x, T, w, { device: 'cpu', cpuIsa: 'avx512' })) &&
           same(op.forward(x, T, { cpuIsa: 'avx512bf16' }), linear(x, T, w, { device: 'cpu', cpuIsa: 'avx512bf16' }));
       });
       console.log(JSON.stringify(out));`,
      { ...process.env, CONCLAVE_MOE_ISA: 'avx512' },
    );
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual([true, true, true]);
  });

  it('refuses a repack option that is not a boolean', () => {
    expect(() => bindLinear(bf16Weights(4, 8), { device: 'cpu', repack: 'yes' as unknown as boolean })).toThrow(/repack must be a boolean/);
  });

  it('hands back the mapped rows it copied, so the weights count once in the resident memory', () => {
    // 64 MiB of bf16 rows in a file, mapped and read whole (resident), then bound: the packed copy
    // adds 64 MiB of its own and the mapped rows' pages go back. A call capped at AVX-512 reads the
    // rows again (they fault back in from the file) and gets the row kernels' bits.
    const dir = mkdtempSync(join(tmpdir(), 'prepacked-'));
    const path = join(dir, 'w.bin');
    const [N, K] = [16384, 2048];
    const r = mulberry32(5);
    const bits = new Uint16Array(N * K);
    for (let i = 0; i < bits.length; i++) bits[i] = 0x3c00 + Math.floor(r() * 0x400) - (r() < 0.5 ? 0 : 0x8000);
    writeFileSync(path, Buffer.from(bits.buffer));
    const child = runChild(
      `import { bindLinear, linear, mapFile } from './gpu-service/src/moe/index.ts';
       const data = mapFile(${JSON.stringify(path)});
       const w = { dtype: 'bf16', shape: [${N}, ${K}], data };
       let sum = 0;
       for (let i = 0; i < data.length; i += 4096) sum += data[i];
       const before = process.memoryUsage().rss;
       const op = bindLinear(w, { device: 'cpu' });
       const grew = (process.memoryUsage().rss - before) / 2 ** 20;
       const x = Float32Array.from({ length: 3 * ${K} }, (_, i) => Math.sin(i));
       const rows = linear(x, 3, w, { device: 'cpu', cpuIsa: 'avx512' });
       const same = op.forward(x, 3, { cpuIsa: 'avx512' }).every((v, i) => v === rows[i]);
       console.log(JSON.stringify({ grew, same, sum: sum > 0 }));`,
    );
    expect(child.stderr).toBe('');
    const out = JSON.parse(child.stdout) as { grew: number; same: boolean; sum: boolean };
    expect(out.same).toBe(true);
    // Without the hand-back it grows by the copy's 64 MiB.
    expect(out.grew).toBeLessThan(24);
  });
});
