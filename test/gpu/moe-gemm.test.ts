// The CPU GEMM drivers (gemm/driver.h, one template instantiated per ISA): every ISA's results are
// bit-identical to those of the per-ISA copies it replaced (hashes recorded from them), and a row's
// result does not depend on how many rows are computed with it (tile shape, token blocking). On
// AVX512-BF16 bf16 weights go to one of three kernels by token count, each with its own order of sums
// (one weight row at a time up to 2 tokens, 4 x 6 tiles below the panel threshold, panels from it: 16
// tokens per expert in an MoE layer, 24 in linear()): the same holds among the batches of each range.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deviceInfo, linear } from '../../gpu-service/src/moe/index.js';
import type { CpuIsa, DType } from '../../gpu-service/src/moe/index.js';
import { encode } from '../../gpu-service/src/moe/dtype.js';
import { randomActivations } from '../../gpu-service/src/moe/fixtures.js';
import { mulberry32 } from '../../gpu-service/src/random.js';

/** [T, N, K]: edge tiles in M and N, K tails of every SIMD width, and a long K; under 16 tokens (the driver's range). */
const SHAPES = [
  [1, 7, 33],
  [5, 96, 64],
  [15, 130, 200],
  [9, 64, 2048],
] as const;
/** linear()'s threshold (kLinearPanelMinTokens). */
const PANEL_MIN_TOKENS = 24;
const ROW_MAX_TOKENS = 2;
const DTYPES: DType[] = ['bf16', 'f16', 'f32'];

function weights(N: number, K: number, dtype: DType) {
  const r = mulberry32(N * 7919 + K);
  return {
    dtype,
    shape: [N, K],
    data: encode(
      Float32Array.from({ length: N * K }, () => r() - 0.5),
      dtype,
    ),
  };
}

function digest(isa: CpuIsa): string {
  const h = createHash('sha256');
  for (const dtype of DTYPES)
    for (const [T, N, K] of SHAPES) h.update(linear(randomActivations(T, K, N + K), T, weights(N, K, dtype), { device: 'cpu', cpuIsa: isa }));
  return h.digest('hex').slice(0, 16);
}

/** Recorded from the per-ISA drivers before they became one template (86e2a98). AMX has its own loop (tiles), not this driver. */
const RECORDED: Partial<Record<CpuIsa, string>> = {
  portable: 'b23bfb26879277a4',
  avx2: 'ec703c330b47acd9',
  avx512: '11fcd26ebcf3951c',
  avx512bf16: '1ff600408885d4c8',
};

const isas = deviceInfo().cpu.isas.filter((isa) => isa !== 'amx');

describe.each(isas)('CPU GEMM driver (%s)', (isa) => {
  it('is bit-identical to the per-ISA drivers it replaced', () => {
    expect(digest(isa)).toBe(RECORDED[isa]);
  });

  it.each(DTYPES)('gives each row the same bits whatever the batch (%s)', (dtype) => {
    // N = 70: no AMX (whole 16-row tiles only), so the panel kernel is the one above the threshold.
    const [N, K] = [70, 200];
    const w = weights(N, K, dtype);
    const rows = (T: number, from = 0) => linear(randomActivations(40, K, 3).subarray(from * K, (from + T) * K), T, w, { device: 'cpu', cpuIsa: isa });
    // Each range's batches against its largest one; one-token batches only where they share its kernel.
    const ranges: Array<[number, number]> =
      isa === 'avx512bf16' && dtype === 'bf16'
        ? [
            [1, ROW_MAX_TOKENS],
            [ROW_MAX_TOKENS + 1, PANEL_MIN_TOKENS - 1],
            [PANEL_MIN_TOKENS, 40],
          ]
        : [
            [1, PANEL_MIN_TOKENS - 1],
            [PANEL_MIN_TOKENS, 40],
          ];
    for (const [lo, hi] of ranges) {
      const whole = rows(hi);
      for (const [T, from] of [
        [lo, 0],
        [lo, hi - lo],
        [Math.min(hi - 1, lo + 2), 1],
      ] as const)
        if (T >= lo && from + T <= hi) expect(rows(T, from)).toEqual(whole.subarray(from * N, (from + T) * N));
    }
  });
});

// The 4 x 6 and f32 tiles fetch the next weight row block while they compute (driver.h's
// prefetch_rows). A prefetch changes no result, so only the built code shows whether it is there: GCC
// once deleted every one of them without a warning. Read from the addon's disassembly (local symbols
// are kept); TileMicro is the AVX512-BF16 tile (into L2), Micro<...> the AVX-512 and AVX2 ones.
const addonPath = ['Release', 'Debug']
  .map((c) => join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'gpu-service', 'native', 'build', c, 'conclave_moe.node'))
  .find((p) => existsSync(p));
const objdump = addonPath ? spawnSync('objdump', ['-d', '--no-show-raw-insn', '-C', addonPath], { encoding: 'utf8', maxBuffer: 1 << 28 }) : undefined;

describe.skipIf(objdump?.status !== 0)('CPU GEMM tiles in the built addon', () => {
  it('prefetch the next weight row block, into L2 on AVX512-BF16', () => {
    // "micro mr,nr" -> prefetch mnemonics in tile<mr, nr> and tile_entry<micro, mr, nr> (either may hold the body).
    const hints = new Map<string, Set<string>>();
    let current: Set<string> | undefined;
    for (const line of (objdump?.stdout ?? '').split('\n')) {
      const name = /^[0-9a-f]+ <(.*)>:$/.exec(line)?.[1];
      if (name !== undefined) {
        const m =
          /::(TileMicro|Micro<[^>]*>)::tile<(\d), (\d)>\(/.exec(name) ?? /tile_entry<\(anonymous namespace\)::(TileMicro|Micro<[^>]*>), (\d), (\d)>/.exec(name);
        current = m ? (hints.get(`${m[1]} ${m[2]},${m[3]}`) ?? new Set<string>()) : undefined;
        if (m && current) hints.set(`${m[1]} ${m[2]},${m[3]}`, current);
        continue;
      }
      const hint = /\t(prefetch\w+)\s/.exec(line)?.[1];
      if (current && hint) current.add(hint);
    }
    const tiles = [...hints.keys()];
    expect(tiles.filter((t) => t.startsWith('TileMicro '))).toHaveLength(24);
    expect(tiles.filter((t) => t.startsWith('Micro<')).length).toBeGreaterThan(0);
    const missing = tiles.filter((t) => {
      const want = t.startsWith('TileMicro ') ? 'prefetcht1' : 'prefetcht0';
      return [...(hints.get(t) ?? [])].join() !== want;
    });
    expect(missing).toEqual([]);
  });
});
