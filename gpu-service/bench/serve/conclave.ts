// The serving benchmark's Conclave side: the real scheduler (continuous batching, greedy sampling,
// detokenisation) over the batched forward pass, without HTTP.
import { loadCheckpoint } from '../../src/checkpoint/load.js';
import { Scheduler, type GenerationEvent } from '../../src/engine/scheduler.js';
import { ModelRunner } from '../../src/model/forward.js';
import { ModelTokenizer } from '../../src/tokenizer/tokenizer.js';
import { benchPrompts, engineRow, type EngineRow, type RunSpec } from './engine.js';

async function drain(events: AsyncIterable<GenerationEvent>): Promise<void> {
  for await (const e of events) if (e.type === 'done' && e.error) throw e.error;
}

export async function runConclave(dir: string, spec: RunSpec): Promise<EngineRow[]> {
  const runner = new ModelRunner(loadCheckpoint(dir));
  const maxBatch = Math.max(...spec.batches);
  let promptTokens = 0;
  let prefilled = () => {};
  const scheduler = new Scheduler(
    runner,
    ModelTokenizer.load(dir),
    {
      maxBatchSequences: maxBatch,
      maxBatchTokens: Math.max(512, maxBatch * spec.promptLength),
      maxQueue: maxBatch,
      maxContext: spec.promptLength + spec.decodeTokens + 1,
    },
    {
      onStep: (s) => {
        if (s.promptTokens === 0) return;
        promptTokens -= s.promptTokens;
        if (promptTokens === 0) prefilled();
      },
    },
  );
  const generate = (prompts: number[][], maxTokens: number) =>
    prompts.map((promptIds) => drain(scheduler.submit({ promptIds, maxTokens, sampling: { temperature: 0, topP: 1, seed: 0 }, stop: [], ignoreEos: true })));
  const rows: EngineRow[] = [];
  for (const batch of spec.batches) {
    const prompts = benchPrompts(batch, spec.promptLength, spec.vocabSize);
    // The same work untimed first: it faults in the mapped weights the prompts route to and lets V8
    // compile the TypeScript hot paths, both of which a running server has long done.
    promptTokens = Infinity;
    await Promise.all(generate(prompts, spec.decodeTokens));
    promptTokens = batch * spec.promptLength;
    let t1 = 0;
    prefilled = () => (t1 = performance.now());
    const t0 = performance.now();
    await Promise.all(generate(prompts, spec.decodeTokens));
    rows.push(engineRow(spec, batch, t0, t1, performance.now()));
  }
  return rows;
}
