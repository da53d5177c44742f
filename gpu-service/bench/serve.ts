// Serving throughput of the batched forward pass (the scheduler's per-step work, without HTTP):
// prefill and decode tokens/s at several batch sizes on a realistic-width Mixtral-layout checkpoint with
// random weights, and time per output token.
//   npm run bench:serve -- [--json] [--batches 1,8,32] [--prompt 16] [--decode 16]
import { parseArgs } from 'node:util';
import { loadCheckpoint } from '../src/checkpoint/load.js';
import { BENCH_SPEC } from '../src/demo/families.js';
import { ensureCheckpoint } from '../src/demo/write.js';
import { argmax } from '../src/engine/sampler.js';
import { ModelRunner } from '../src/model/forward.js';
import { kernels } from '../src/model/kernels.js';
import { KvCache } from '../src/model/kv-cache.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    batches: { type: 'string', default: '1,8,32' },
    prompt: { type: 'string', default: '16' },
    decode: { type: 'string', default: '16' },
  },
});
const count = (v: string, flag: string): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} must be positive integers, got '${v}'`);
  return n;
};
const batches = values.batches.split(',').map((b) => count(b, '--batches'));
const promptLen = count(values.prompt, '--prompt');
const decodeSteps = count(values.decode, '--decode');

const log = (s: string) => process.stderr.write(`${s}\n`);
log(`writing/loading ${BENCH_SPEC.name} (random weights)`);
const weights = loadCheckpoint(ensureCheckpoint(BENCH_SPEC));
const c = weights.config;
const runner = new ModelRunner(weights);

interface Row {
  batch: number;
  promptTokens: number;
  prefillSeconds: number;
  prefillTokensPerSecond: number;
  decodeTokens: number;
  decodeSeconds: number;
  decodeTokensPerSecond: number;
  /** Mean wall time between two output tokens of one sequence. */
  timePerOutputTokenMs: number;
}

// One untimed pass first: it faults the memory-mapped weights in, which is load time, not serving time.
await runner.forward([{ cache: new KvCache(c.numLayers, c.numKvHeads * c.headDim, 4), tokens: [1, 2, 3, 4] }]);

const rows: Row[] = [];
for (const batch of batches) {
  const caches = Array.from({ length: batch }, () => new KvCache(c.numLayers, c.numKvHeads * c.headDim, promptLen + decodeSteps + 1));
  // Distinct prompts so sequences route to different experts, as real traffic does.
  const prompts = caches.map((_, s) => Array.from({ length: promptLen }, (_, i) => 1 + ((s * 7919 + i * 104729) % (c.vocabSize - 1))));
  let t = performance.now();
  let out = await runner.forward(caches.map((cache, s) => ({ cache, tokens: prompts[s]! })));
  const prefillSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  for (let step = 0; step < decodeSteps; step++) {
    const next = out.logits.map((l) => argmax(l));
    out = await runner.forward(caches.map((cache, s) => ({ cache, tokens: [next[s]!] })));
  }
  const decodeSeconds = (performance.now() - t) / 1000;
  const row: Row = {
    batch,
    promptTokens: batch * promptLen,
    prefillSeconds,
    prefillTokensPerSecond: (batch * promptLen) / prefillSeconds,
    decodeTokens: batch * decodeSteps,
    decodeSeconds,
    decodeTokensPerSecond: (batch * decodeSteps) / decodeSeconds,
    timePerOutputTokenMs: (decodeSeconds / decodeSteps) * 1000,
  };
  rows.push(row);
  log(
    `batch ${batch}: prefill ${row.prefillTokensPerSecond.toFixed(1)} tok/s, decode ${row.decodeTokensPerSecond.toFixed(1)} tok/s, ` +
      `TPOT ${row.timePerOutputTokenMs.toFixed(1)} ms`,
  );
}

const result = {
  model: BENCH_SPEC.name,
  randomWeights: true,
  device: kernels.device(),
  config: {
    family: c.family,
    hiddenSize: c.hiddenSize,
    layers: c.numLayers,
    heads: c.numHeads,
    kvHeads: c.numKvHeads,
    experts: c.routing.numExperts,
    topK: c.routing.topK,
    moeIntermediateSize: c.moeIntermediateSize,
    vocabSize: c.vocabSize,
    dtype: BENCH_SPEC.dtype,
  },
  promptLength: promptLen,
  decodeSteps,
  results: rows,
};
// One line, last on stdout, as bench:moe does, so scripts can parse it.
if (values.json) console.log(JSON.stringify(result));
else console.table(rows);
