// Sparse-MoE layer benchmark (issue #5): `npm run bench:moe -- [--device cpu|cuda] [--json]
// [--models mixtral,olmoe,qwen3] [--tokens 1,4,16]`. Not a test: it prints a table (and with
// --json one JSON array on its last line). Layer shapes of real models, bf16 weights, timed with a
// cold last-level cache (as when serving a model far larger than it).
import { readFileSync } from 'node:fs';
import { deviceInfo, moeForward, referenceMoeForward } from '../src/moe/index.js';
import type { MoeDevice, MoeLayerWeights, MoeRouting, Tensor } from '../src/moe/index.js';
import { randomActivations, routingFor } from '../src/moe/fixtures.js';
import { measureBandwidth, measurePeak } from '../src/moe/probe.js';

interface Shape {
  model: string;
  key: string;
  hidden: number;
  inter: number;
  experts: number;
  topK: number;
  family: MoeRouting['family'];
}

const SHAPES: Shape[] = [
  { model: 'Mixtral-8x7B (H scaled to 1024)', key: 'mixtral', hidden: 1024, inter: 3584, experts: 8, topK: 2, family: 'mixtral' },
  { model: 'OLMoE-1B-7B', key: 'olmoe', hidden: 2048, inter: 1024, experts: 64, topK: 8, family: 'olmoe' },
  { model: 'Qwen3-30B-A3B', key: 'qwen3', hidden: 2048, inter: 768, experts: 128, topK: 8, family: 'qwen3_moe' },
];
const DEFAULT_TOKENS = [1, 4, 16, 64, 256, 1024];

interface Row {
  model: string;
  device: MoeDevice;
  tokens: number;
  hidden: number;
  inter: number;
  experts: number;
  topK: number;
  medianMs: number;
  weightBytes: number;
  effectiveGBps: number;
  fractionOfBandwidth: number;
  gflops: number;
  fractionOfPeak: number;
  speedupVsReference: number;
}

function args(): { device: MoeDevice; json: boolean; models: string[]; tokens: number[] } {
  const a = process.argv.slice(2);
  const value = (flag: string) => {
    const i = a.indexOf(flag);
    return i >= 0 ? a[i + 1] : undefined;
  };
  const device = (value('--device') ?? 'cpu') as MoeDevice;
  if (device !== 'cpu' && device !== 'cuda') throw new Error(`--device must be cpu or cuda, got ${device}`);
  return {
    device,
    json: a.includes('--json'),
    models: (value('--models') ?? SHAPES.map((s) => s.key).join(',')).split(','),
    tokens: (value('--tokens')?.split(',').map(Number) ?? DEFAULT_TOKENS),
  };
}

/** Random bf16 weights without a per-element encode: sign and mantissa random, |w| in [2^-7, 2^-6). */
function bf16Tensor(shape: number[]): Tensor {
  const n = shape.reduce((x, y) => x * y, 1);
  const bits = new Uint16Array(n);
  let s = 0x9e3779b9 ^ n;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    bits[i] = (s & 0x807f) | 0x3c00;
  }
  return { dtype: 'bf16', shape, data: new Uint8Array(bits.buffer) };
}

function layer(shape: Shape): MoeLayerWeights {
  const { hidden: H, inter: I, experts: E } = shape;
  // The router gets real spread so tokens pick different experts, as trained routers do.
  const router = bf16Tensor([E, H]);
  const rb = new Uint16Array(router.data.buffer);
  for (let i = 0; i < rb.length; i++) rb[i] = (rb[i]! & 0x807f) | 0x3e00;
  return { router, experts: { layout: 'packed', gateUp: bf16Tensor([E, 2 * I, H]), down: bf16Tensor([E, H, I]) } };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Last-level cache size (Linux sysfs), so each timed run can start with the weights out of cache:
 * serving a real model streams every layer's experts from DRAM, and a layer that fits the LLC would
 * otherwise report cache bandwidth as memory bandwidth.
 */
function llcBytes(): number {
  try {
    const text = readFileSync('/sys/devices/system/cpu/cpu0/cache/index3/size', 'utf8').trim();
    const m = /^(\d+)([KMG]?)/.exec(text);
    if (m) return Number(m[1]) * ({ '': 1, K: 1 << 10, M: 1 << 20, G: 1 << 30 } as Record<string, number>)[m[2]!]!;
  } catch {
    // no sysfs: fall through to a generous default
  }
  return 512 << 20;
}

function time(fn: () => void, flush: Buffer | undefined, minRuns: number, minMs: number): number {
  fn(); // warm-up: page-in of weights, workspace growth
  const times: number[] = [];
  let spent = 0;
  while (times.length < minRuns || spent < minMs) {
    flush?.fill(times.length & 0xff); // evict the weights (not timed)
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
    spent += times[times.length - 1]!;
    if (times.length >= 30) break;
  }
  return median(times);
}

function main(): void {
  const opts = args();
  const info = deviceInfo();
  const log = (s: string) => {
    if (!opts.json) console.log(s);
    else console.error(s);
  };
  const bandwidth = opts.device === 'cuda' ? measureBandwidth(1 << 30, 'cuda') : measureBandwidth();
  const peak = opts.device === 'cuda' ? { bf16: info.cuda.peakBf16Gflops } : measurePeak();
  const peakGflops = peak.bf16 ?? peak.f32 ?? NaN;
  const peakKind = peak.bf16 ? 'bf16' : 'f32 FMA (no bf16 dot-product hardware here)';
  log(`device: ${opts.device}${opts.device === 'cuda' ? ` (${info.cuda.name})` : ` (${info.cpu.threads} threads, ISA ${info.cpu.defaultIsa})`}`);
  log(`measured bandwidth (triad): ${bandwidth.toFixed(1)} GB/s; peak ${peakKind}: ${peakGflops.toFixed(0)} GFLOP/s`);
  // CPU: overwrite twice the last-level cache before each timed run (device memory has no such issue).
  const flush = opts.device === 'cpu' ? Buffer.alloc(2 * llcBytes()) : undefined;

  const rows: Row[] = [];
  for (const shape of SHAPES.filter((s) => opts.models.includes(s.key))) {
    const weights = layer(shape);
    const routing = routingFor(shape.family, shape.experts, shape.topK);
    const { hidden: H, inter: I, experts: E, topK: K } = shape;
    const expertBytes = 3 * H * I * 2;
    const modelRows: Row[] = [];
    for (const T of opts.tokens) {
      const x = randomActivations(T, H, T);
      const probe = moeForward(x, T, routing, weights, { device: opts.device });
      const active = new Set(probe.topkIds).size;
      const weightBytes = active * expertBytes + E * H * 2;
      const ms = time(() => moeForward(x, T, routing, weights, { device: opts.device }), flush, 5, 1000);
      const flops = 2 * T * (K * 3 * H * I + E * H);
      const row: Row = {
        model: shape.model,
        device: opts.device,
        tokens: T,
        hidden: H,
        inter: I,
        experts: E,
        topK: K,
        medianMs: ms,
        weightBytes,
        effectiveGBps: weightBytes / ms / 1e6,
        fractionOfBandwidth: weightBytes / ms / 1e6 / bandwidth,
        gflops: flops / ms / 1e6,
        fractionOfPeak: flops / ms / 1e6 / peakGflops,
        speedupVsReference: NaN,
      };
      modelRows.push(row);
    }
    // Naive per-token reference, timed on 2 tokens and scaled linearly (it is per-token by design).
    // Timed after the native rows: its hundreds of MB of garbage keep V8's background GC threads
    // busy for a while, which on a small machine would steal cores from the native runs.
    const refX = randomActivations(2, H, 1);
    const refStart = performance.now();
    referenceMoeForward(refX, 2, routing, weights);
    const refMsPerToken = (performance.now() - refStart) / 2;
    for (const row of modelRows) {
      row.speedupVsReference = (refMsPerToken * row.tokens) / row.medianMs;
      rows.push(row);
      log(
        `| ${row.model} | ${row.tokens} | ${row.medianMs.toFixed(2)} | ${(row.weightBytes / 1e6).toFixed(1)} MB | ${row.effectiveGBps.toFixed(1)} | ` +
          `${(100 * row.fractionOfBandwidth).toFixed(0)}% | ${row.gflops.toFixed(1)} | ${(100 * row.fractionOfPeak).toFixed(1)}% | ${row.speedupVsReference.toFixed(0)}x |`,
      );
    }
  }
  if (opts.json) console.log(JSON.stringify(rows.map((r) => ({ ...r, bandwidthGBps: bandwidth, peakGflops, peakKind }))));
}

try {
  main();
} catch (e) {
  // e.g. `--device cuda` without a usable GPU: say why instead of a stack trace.
  console.error(`bench:moe: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
