// Sparse-MoE layer benchmark (issue #5), options in USAGE below. Not a test: it prints a
// table (and with --json one JSON array on its last line). Layer shapes of real models, bf16 weights,
// timed with a cold last-level cache (as when serving a model far larger than it). On the CPU a
// Hugging Face-style PyTorch block (torch-peer.ts) runs on the same weights and activations when python3
// has torch: the two engines alternate, `--rounds` times per row, and the ratio is reported as a range.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, numberFlag, numberListFlag, usageError } from '../scripts/cli.js';
import { bindMoeLayer, decode, deviceInfo, encode, mapFile, moeForward, referenceMoeForward } from '../src/moe/index.js';
import type { MoeDevice, MoeLayerWeights, MoeRouting, Tensor } from '../src/moe/index.js';
import { randomActivations, routingFor } from '../src/moe/fixtures.js';
import { measureBandwidth, measurePeak } from '../src/moe/probe.js';
import { TorchPeer } from './torch-peer.js';

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
/** Runs per timing: at least `--min-runs` (default this many) and this long, at most 30; the median counts. */
const MIN_RUNS = 5;
const MIN_MS = 1000;
/** A token agrees with PyTorch when max|y - y_torch| / max|y_torch| over its row is below this (bf16 compute on both sides). */
const PEER_TOLERANCE = 3e-2;

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
  /** PyTorch's median ms (median over rounds) and its time over ours per round: > 1 means faster than PyTorch. */
  torchMs?: number;
  speedupVsTorch?: { min: number; median: number; max: number };
  /** Fraction of tokens whose output agrees with PyTorch's within PEER_TOLERANCE. */
  torchAgreement?: number;
  /** Per-call cost outside the kernels (a T = 0 call), µs: validating the weights every call vs a bound layer. */
  callOverheadUs?: CallOverhead;
}

interface CallOverhead {
  perExpertEveryCall: number;
  packedEveryCall: number;
  bound: number;
}

interface Options {
  device: MoeDevice;
  json: boolean;
  models: string[];
  tokens: number[];
  rounds: number;
  /** Timed runs per timing at least (after the warm-up); fewer lets PyTorch's slow rows finish. */
  minRuns: number;
  peer: boolean;
}

const USAGE = `npm run bench:moe -- [--device cpu|cuda] [--json] [--models mixtral,olmoe,qwen3] [--tokens 1,4,16]
                     [--rounds 3] [--min-runs ${MIN_RUNS}] [--no-peer]

Times the sparse-MoE layer on real models' layer shapes (bf16 weights, a cold last-level cache),
beside a Hugging Face-style PyTorch block on the CPU when python3 has torch.

  --device cpu|cuda   where it runs (default cpu)
  --models LIST       layer shapes: ${SHAPES.map((s) => s.key).join(', ')} (default all)
  --tokens LIST       tokens per call (default ${DEFAULT_TOKENS.join(',')})
  --rounds R          alternating rounds of the two engines per row (default 3)
  --min-runs N        timed runs per timing at least (default ${MIN_RUNS})
  --no-peer           skip the PyTorch peer
  --json              end with one JSON array of the rows
  -h, --help          this text`;

function args(): Options {
  const a = cli(USAGE, {
    device: { type: 'string', default: 'cpu' },
    json: { type: 'boolean', default: false },
    models: { type: 'string', default: SHAPES.map((s) => s.key).join(',') },
    tokens: { type: 'string', default: DEFAULT_TOKENS.join(',') },
    rounds: { type: 'string', default: '3' },
    'min-runs': { type: 'string', default: String(MIN_RUNS) },
    'no-peer': { type: 'boolean', default: false },
  });
  const device = a.device as MoeDevice;
  if (device !== 'cpu' && device !== 'cuda') usageError(USAGE, `--device must be cpu or cuda, got '${a.device}'`);
  const models = a.models!.split(',');
  const unknown = models.find((m) => !SHAPES.some((s) => s.key === m));
  if (unknown !== undefined) usageError(USAGE, `--models must name ${SHAPES.map((s) => s.key).join(', ')}, got '${unknown}'`);
  return {
    device,
    json: a.json!,
    models,
    tokens: numberListFlag(USAGE, '--tokens', a.tokens!, { integer: true, min: 1 }),
    rounds: numberFlag(USAGE, '--rounds', a.rounds!, { integer: true, min: 1 }),
    minRuns: numberFlag(USAGE, '--min-runs', a['min-runs']!, { integer: true, min: 1 }),
    peer: !a['no-peer'],
  };
}

/** Random bf16 bits without a per-element encode: sign and mantissa random, |w| in [2^-7, 2^-6) (`exponent` 0x3c00). */
function bf16Bits(n: number, exponent = 0x3c00): Uint16Array {
  const bits = new Uint16Array(n);
  let s = 0x9e3779b9 ^ n;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    bits[i] = (s & 0x807f) | exponent;
  }
  return bits;
}

/** Writes one packed bf16 layer as raw files in `dir` and maps them: both engines read the same pages. */
function writeLayer(dir: string, shape: Shape): MoeLayerWeights {
  const { hidden: H, inter: I, experts: E } = shape;
  mkdirSync(dir, { recursive: true });
  const tensor = (name: string, dims: number[], exponent?: number): Tensor => {
    const path = join(dir, `${name}.bin`);
    writeFileSync(
      path,
      bf16Bits(
        dims.reduce((x, y) => x * y, 1),
        exponent,
      ),
    );
    return { dtype: 'bf16', shape: dims, data: mapFile(path) };
  };
  // The router gets real spread (|w| in [2^-3, 2^-2)) so tokens pick different experts, as trained routers do.
  const router = tensor('router', [E, H], 0x3e00);
  return { router, experts: { layout: 'packed', gateUp: tensor('gate_up', [E, 2 * I, H]), down: tensor('down', [E, H, I]) } };
}

/** The same layer as one tensor per expert and projection, the Hub checkpoints' layout (views, no copies). */
function perExpertViews(w: MoeLayerWeights, shape: Shape): MoeLayerWeights {
  if (w.experts.layout !== 'packed') return w;
  const { hidden: H, inter: I, experts: E } = shape;
  const gu = w.experts.gateUp.data;
  const dn = w.experts.down.data;
  const view = (data: Uint8Array, start: number, rows: number, cols: number): Tensor => ({
    dtype: 'bf16',
    shape: [rows, cols],
    data: data.subarray(start * 2, (start + rows * cols) * 2),
  });
  const ids = Array.from({ length: E }, (_, e) => e);
  return {
    router: w.router,
    experts: {
      layout: 'per-expert',
      gate: ids.map((e) => view(gu, e * 2 * I * H, I, H)),
      up: ids.map((e) => view(gu, (e * 2 + 1) * I * H, I, H)),
      down: ids.map((e) => view(dn, e * H * I, H, I)),
    },
  };
}

/** Median µs of a T = 0 call (nothing for the kernels to do: what is left is the call's own cost), over 7 batches. */
function callUs(call: () => void): number {
  const batches: number[] = [];
  for (let b = 0; b < 7; b++) {
    const t = performance.now();
    for (let i = 0; i < 100; i++) call();
    batches.push(((performance.now() - t) / 100) * 1000);
  }
  return median(batches);
}

function callOverhead(routing: MoeRouting, weights: MoeLayerWeights, shape: Shape, device: MoeDevice): CallOverhead {
  const none = new Float32Array(0);
  const layer = bindMoeLayer(routing, weights, { device });
  const bound = callUs(() => layer.forward(none, 0));
  layer.dispose();
  // Validating every call means uploading every call on CUDA: measured on the CPU path only.
  const everyCall = (w: MoeLayerWeights) => (device === 'cpu' ? callUs(() => moeForward(none, 0, routing, w, { device })) : NaN);
  return { perExpertEveryCall: everyCall(perExpertViews(weights, shape)), packedEveryCall: everyCall(weights), bound };
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

function time(fn: () => void, flush: Buffer | undefined, minRuns: number): number {
  fn(); // warm-up: page-in of weights, workspace growth
  const times: number[] = [];
  let spent = 0;
  while (times.length < minRuns || spent < MIN_MS) {
    flush?.fill(times.length & 0xff); // evict the weights (not timed)
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
    spent += times[times.length - 1]!;
    if (times.length >= 30) break;
  }
  return median(times);
}

/** Fraction of the T rows of [T,H] outputs that agree within PEER_TOLERANCE (relative to the row's max). */
function agreement(ours: Float32Array, theirs: Float32Array, T: number, H: number): number {
  let agree = 0;
  for (let t = 0; t < T; t++) {
    let diff = 0;
    let ref = 0;
    for (let i = t * H; i < (t + 1) * H; i++) {
      diff = Math.max(diff, Math.abs(ours[i]! - theirs[i]!));
      ref = Math.max(ref, Math.abs(theirs[i]!));
    }
    if (diff <= PEER_TOLERANCE * ref) agree++;
  }
  return agree / T;
}

const pct = (f: number) => `${(100 * f).toFixed(0)}%`;

function formatRow(r: Row): string {
  const vsTorch = r.speedupVsTorch
    ? `${r.torchMs!.toFixed(2)} | ${r.speedupVsTorch.median.toFixed(2)}x (${r.speedupVsTorch.min.toFixed(2)}–${r.speedupVsTorch.max.toFixed(2)}) | ${pct(r.torchAgreement!)} |`
    : '– | – | – |';
  return (
    `| ${r.model} | ${r.tokens} | ${r.medianMs.toFixed(2)} | ${(r.weightBytes / 1e6).toFixed(0)} MB | ${r.effectiveGBps.toFixed(1)} | ` +
    `${pct(r.fractionOfBandwidth)} | ${r.gflops.toFixed(1)} | ${pct(r.fractionOfPeak)} | ${vsTorch} ${r.speedupVsReference.toFixed(0)}x |`
  );
}

async function main(): Promise<void> {
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
  // The PyTorch peer is a CPU block: it runs beside the CPU path only.
  const peer = opts.device === 'cpu' && opts.peer ? await TorchPeer.start(info.cpu.threads) : opts.peer ? 'not a CPU run' : '--no-peer';
  if (typeof peer === 'string') log(`PyTorch peer skipped: ${peer}`);
  else log(`PyTorch ${peer.version} peer: Hugging Face-style bf16 block, ${info.cpu.threads} threads, ${opts.rounds} alternating rounds per row`);
  log('| model | T | median ms | weights read | GB/s | % of triad | GFLOP/s | % of peak | PyTorch ms | vs PyTorch (range) | same output | vs reference |');
  log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  // CPU: overwrite twice the last-level cache before each timed run (device memory has no such issue).
  const flush = opts.device === 'cpu' ? Buffer.alloc(2 * llcBytes()) : undefined;
  const scratch = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'conclave-bench-moe-'));

  const rows: Row[] = [];
  const overheadLines: string[] = [];
  try {
    for (const shape of SHAPES.filter((s) => opts.models.includes(s.key))) {
      const dir = join(scratch, shape.key);
      const weights = writeLayer(dir, shape);
      const routing = routingFor(shape.family, shape.experts, shape.topK);
      const { hidden: H, inter: I, experts: E, topK: K } = shape;
      if (typeof peer !== 'string') await peer.load({ dir, experts: E, hidden: H, inter: I, topK: K, normTopkProb: routing.normTopkProb });
      const expertBytes = 3 * H * I * 2;
      const overhead = callOverhead(routing, weights, shape, opts.device);
      overheadLines.push(
        `| ${shape.model} | ${overhead.perExpertEveryCall.toFixed(1)} | ${overhead.packedEveryCall.toFixed(1)} | ${overhead.bound.toFixed(1)} |`,
      );
      const layer = bindMoeLayer(routing, weights, { device: opts.device });
      const modelRows: Row[] = [];
      for (const T of opts.tokens) {
        // bf16-representable activations: the PyTorch block takes x in bf16, so both see the same values.
        const x = decode(encode(randomActivations(T, H, T), 'bf16'), 'bf16', 0, T * H);
        const xPath = join(dir, `x${T}.bin`);
        writeFileSync(xPath, x);
        const run = () => layer.forward(x, T);
        const probe = run();
        const active = new Set(probe.topkIds).size;
        const weightBytes = active * expertBytes + E * H * 2;
        const ours: number[] = [];
        const ratios: number[] = [];
        const theirs: number[] = [];
        let torchY: Float32Array | undefined;
        for (let round = 0; round < (typeof peer === 'string' ? 1 : opts.rounds); round++) {
          if (typeof peer === 'string') {
            ours.push(time(run, flush, opts.minRuns));
            continue;
          }
          // Alternate which engine goes first, so neither always inherits the other's warm caches or load.
          const timeTorch = async () => {
            const t = await peer.time(xPath, T, flush!.length, opts.minRuns, MIN_MS);
            theirs.push(t.ms);
            torchY = t.y;
          };
          if (round % 2 === 0) {
            ours.push(time(run, flush, opts.minRuns));
            await timeTorch();
          } else {
            await timeTorch();
            ours.push(time(run, flush, opts.minRuns));
          }
          ratios.push(theirs[round]! / ours[round]!);
        }
        const ms = median(ours);
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
          callOverheadUs: overhead,
        };
        if (torchY) {
          row.torchMs = median(theirs);
          row.speedupVsTorch = { min: Math.min(...ratios), median: median(ratios), max: Math.max(...ratios) };
          row.torchAgreement = agreement(probe.y, torchY, T, H);
        }
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
        log(formatRow(row));
      }
      layer.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    if (typeof peer !== 'string') peer.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  log('\nPer-call cost outside the kernels (a T = 0 call, median µs):\n');
  log('| model | validating the weights every call, one tensor per expert | same, packed tensors | bound layer |');
  log('| --- | ---: | ---: | ---: |');
  overheadLines.forEach(log);
  if (opts.json) console.log(JSON.stringify(rows.map((r) => ({ ...r, bandwidthGBps: bandwidth, peakGflops, peakKind }))));
}

main().catch((e: unknown) => {
  // e.g. `--device cuda` without a usable GPU: say why instead of a stack trace.
  console.error(`bench:moe: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
