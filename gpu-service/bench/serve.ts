// Serving throughput, Conclave alone or side by side with llama.cpp: prefill and decode tokens/s at
// several batch sizes (llama.cpp: parallel sequences), time per output token and resident memory, on
// realistic-width random-weight checkpoints (Mixtral layout; OLMoE's 64-expert top-8 layer shape).
// Each engine runs in its own process with the same thread count and prompt ids; with --runs > 1 the
// engines alternate and every figure is reported as a median with its range.
// Options in USAGE below.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig } from '../src/checkpoint/load.js';
import type { ModelConfig } from '../src/checkpoint/config.js';
import { BENCH_SPECS } from '../src/demo/families.js';
import { ensureCheckpoint } from '../src/demo/write.js';
import { exportGguf } from '../src/gguf/export.js';
import { kernels } from '../src/model/kernels.js';
import { bytesPerElement } from '../src/moe/dtype.js';
import { measureBandwidth } from '../src/moe/probe.js';
import { ensureLlamaCpp } from '../src/peer/llama-cpp.js';
import { cli, numberFlag, numberListFlag, usageError } from '../scripts/cli.js';
import type { EngineName, EngineRow, RunSpec } from './serve/engine.js';

const USAGE = `npm run bench:serve -- [--peer llama.cpp] [--json] [--models mixtral,olmoe] [--batches 1,8,32]
                       [--prompt 16] [--decode 16] [--threads N] [--runs R]

Serving throughput (prefill and decode tokens/s, time per output token, resident memory) on
realistic-width random-weight checkpoints, alone or beside llama.cpp.

  --peer llama.cpp   run llama.cpp too, on the same checkpoints exported to GGUF
  --models LIST      ${Object.keys(BENCH_SPECS).join(', ')} (default mixtral,olmoe)
  --batches LIST     sequences per batch (default 1,8,32)
  --prompt N         prompt tokens (default 16)
  --decode N         tokens decoded, at least 2 (default 16)
  --threads N        threads of each engine (default ${availableParallelism()}, this machine's)
  --runs R           alternating runs per engine (default 2 with --peer, else 1)
  --json             end with one JSON line of the rows
  -h, --help         this text`;

const values = cli(USAGE, {
  json: { type: 'boolean', default: false },
  peer: { type: 'string' },
  models: { type: 'string', default: 'mixtral,olmoe' },
  batches: { type: 'string', default: '1,8,32' },
  prompt: { type: 'string', default: '16' },
  decode: { type: 'string', default: '16' },
  threads: { type: 'string', default: String(availableParallelism()) },
  runs: { type: 'string' },
});
if (values.peer !== undefined && values.peer !== 'llama.cpp') usageError(USAGE, `--peer must be 'llama.cpp', got '${values.peer}'`);
const models = values.models!.split(',') as Array<keyof typeof BENCH_SPECS>;
for (const m of models) if (!(m in BENCH_SPECS)) usageError(USAGE, `--models must name ${Object.keys(BENCH_SPECS).join(', ')}, got '${m}'`);
const count = (flag: string, value: string, min = 1) => numberFlag(USAGE, flag, value, { integer: true, min });
const threads = count('--threads', values.threads!);
const runs = count('--runs', values.runs ?? (values.peer ? '2' : '1'));
const engines: EngineName[] = values.peer ? ['conclave', 'llama.cpp'] : ['conclave'];
const base = {
  batches: numberListFlag(USAGE, '--batches', values.batches!, { integer: true, min: 1 }),
  promptLength: count('--prompt', values.prompt!),
  decodeTokens: count('--decode', values.decode!, 2),
  threads,
};

const log = (s: string) => process.stderr.write(`${s}\n`);
// The triad, like the engines, runs on `threads` threads (the native pool reads this once, at first use).
process.env.OMP_NUM_THREADS = String(threads);

interface Model {
  name: string;
  dir: string;
  gguf: string;
  config: ModelConfig;
  /** Bytes of weights one decode step of one sequence reads (its experts, attention, LM head). */
  activeBytes: number;
}

function activeBytes(c: ModelConfig, bytes: number): number {
  const h = c.hiddenSize;
  const attention = (2 * c.numHeads + 2 * c.numKvHeads) * c.headDim * h;
  const moe =
    c.routing.numExperts * h +
    c.routing.topK * 3 * h * c.moeIntermediateSize +
    (c.sharedExpertIntermediateSize ? 3 * h * c.sharedExpertIntermediateSize + h : 0);
  const layers = c.sparseLayers.reduce((a, sparse) => a + attention + (sparse ? moe : 3 * h * c.denseIntermediateSize), 0);
  return (layers + c.vocabSize * h + h) * bytes;
}

function prepare(key: keyof typeof BENCH_SPECS): Model {
  const spec = BENCH_SPECS[key];
  log(`writing/loading ${spec.name} (random weights)`);
  const dir = ensureCheckpoint(spec);
  const gguf = `${dir}.gguf`;
  if (values.peer && !existsSync(gguf)) {
    log(`exporting ${gguf}`);
    exportGguf(dir, gguf);
  }
  const config = loadConfig(dir);
  return { name: spec.name, dir, gguf, config, activeBytes: activeBytes(config, bytesPerElement(spec.dtype)) };
}

const child = join(dirname(fileURLToPath(import.meta.url)), 'serve', 'child.ts');

/**
 * Drops a file's pages from the page cache (GNU dd's documented `iflag=nocache count=0`), so every
 * engine faults its weights in itself, as after a restart. Pages left cached by whatever last wrote or
 * read the file keep that writer's folio sizes: the bench's GGUF was found with 0.58 of its 1.9 GB in
 * 2 MiB folios and the safetensors file with 0.01, a difference of page walks, not of engines.
 */
function evictFromPageCache(path: string): void {
  try {
    execFileSync('dd', [`if=${path}`, 'iflag=nocache', 'count=0', 'status=none']);
  } catch (e) {
    log(`could not evict ${path} from the page cache (${(e as Error).message.split('\n')[0]}); its pages stay as they are`);
  }
}

async function runEngine(engine: EngineName, m: Model): Promise<EngineRow[]> {
  const spec: RunSpec = { ...base, vocabSize: m.config.vocabSize };
  if (engine === 'conclave') for (const f of readdirSync(m.dir).filter((f) => f.endsWith('.safetensors'))) evictFromPageCache(join(m.dir, f));
  else evictFromPageCache(m.gguf);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', child, engine, engine === 'conclave' ? m.dir : m.gguf, JSON.stringify(spec)],
    {
      env: { ...process.env, OMP_NUM_THREADS: String(threads) },
      maxBuffer: 1 << 20,
    },
  ).catch((e: Error & { stderr?: string }) => {
    throw new Error(`${engine} on ${m.name} failed: ${e.stderr?.trim() || e.message}`);
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as EngineRow[];
}

if (values.peer) await ensureLlamaCpp(log);
const prepared = models.map(prepare);
// On CUDA the weights stream from device memory: its triad is the one to compare with.
const triad = kernels.device() === 'cuda' ? measureBandwidth(1 << 30, 'cuda') : measureBandwidth();
log(`triad (${kernels.device() === 'cuda' ? 'device memory' : `${threads} thread(s)`}): ${triad.toFixed(1)} GB/s; conclave device: ${kernels.device()}`);

type Key = `${EngineName}|${string}|${number}`;
const samples = new Map<Key, EngineRow[]>();
for (let r = 0; r < runs; r++) {
  for (const m of prepared) {
    // Alternate which engine goes first, so neither always meets the machine in the same state.
    for (const engine of r % 2 === 0 ? engines : [...engines].reverse()) {
      log(`run ${r + 1}/${runs}: ${engine} on ${m.name}`);
      for (const row of await runEngine(engine, m)) {
        const key: Key = `${engine}|${m.name}|${row.batch}`;
        samples.set(key, [...(samples.get(key) ?? []), row]);
        log(
          `  batch ${row.batch}: prefill ${row.prefill_tokens_per_s.toFixed(1)} tok/s, decode ${row.decode_tokens_per_s.toFixed(1)} tok/s, TPOT ${row.tpot_ms.toFixed(1)} ms, RSS ${row.rss_mb.toFixed(0)} MB`,
        );
      }
    }
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (xs: number[], digits = 1) => {
  const m = median(xs).toFixed(digits);
  return xs.length > 1 ? `${m} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})` : m;
};

const lines = [
  '| model | batch | engine | prefill tok/s | decode tok/s | TPOT ms | RSS MB | decode GB/s (% of triad) |',
  '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
];
const json: Array<Record<string, unknown>> = [];
for (const m of prepared) {
  for (const batch of base.batches) {
    for (const engine of engines) {
      const rows = samples.get(`${engine}|${m.name}|${batch}`)!;
      const pick = (f: keyof EngineRow) => rows.map((r) => r[f]);
      // At batch 1 a decode step reads each active weight once: bytes / TPOT against the triad.
      const gbs = rows.map((r) => m.activeBytes / (r.tpot_ms / 1000) / 1e9);
      const bw = batch === 1 ? `${fmt(gbs)} (${((median(gbs) / triad) * 100).toFixed(0)}%)` : '';
      lines.push(
        `| ${m.name} | ${batch} | ${engine} | ${fmt(pick('prefill_tokens_per_s'))} | ${fmt(pick('decode_tokens_per_s'))} | ${fmt(pick('tpot_ms'))} | ${fmt(pick('rss_mb'), 0)} | ${bw} |`,
      );
      json.push({
        engine,
        model: m.name,
        batch,
        prefill_tokens_per_s: median(pick('prefill_tokens_per_s')),
        decode_tokens_per_s: median(pick('decode_tokens_per_s')),
        tpot_ms: median(pick('tpot_ms')),
        rss_mb: median(pick('rss_mb')),
        threads,
        runs: rows.length,
        ...(batch === 1 ? { decode_weight_gb_per_s: median(gbs), triad_gb_per_s: triad } : {}),
      });
    }
    if (engines.length === 2) {
      // Ratios pair the two engines' runs of the same round, so a noisy round moves both.
      const ours = samples.get(`conclave|${m.name}|${batch}`)!;
      const theirs = samples.get(`llama.cpp|${m.name}|${batch}`)!;
      const ratio = (f: keyof EngineRow, inverse = false) =>
        fmt(
          ours.map((o, i) => (inverse ? theirs[i]![f] / o[f] : o[f] / theirs[i]![f])),
          2,
        );
      lines.push(
        `| ${m.name} | ${batch} | **conclave ÷ llama.cpp** | ${ratio('prefill_tokens_per_s')}× | ${ratio('decode_tokens_per_s')}× | ${ratio('tpot_ms', true)}× faster | ${ratio('rss_mb')}× | |`,
      );
    }
  }
}
console.log(lines.join('\n'));
// One line, last on stdout, so scripts can parse it.
if (values.json) console.log(JSON.stringify(json));
