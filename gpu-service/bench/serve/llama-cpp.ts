// The serving benchmark's llama.cpp side: node-llama-cpp's CPU build on the exported GGUF, one context
// with a parallel sequence per request, greedy sampling in llama.cpp; node-llama-cpp batches the
// sequences' pending tokens into one llama_decode per step, as llama.cpp's server does.
import { loadLlamaCpp, type ControlledInput, type LlamaSequence } from '../../src/peer/llama-cpp.js';
import { benchPrompts, engineRow, type EngineRow, type RunSpec } from './engine.js';

const NEXT = { generateNext: { token: true } };

/** Feeds `ids` to the sequence and returns the token llama.cpp samples after the last. */
async function step(seq: LlamaSequence, ids: number[]): Promise<number> {
  const input: ControlledInput[] = ids.map((id, i) => (i === ids.length - 1 ? [id, NEXT] : id));
  const out = await seq.controlledEvaluate(input);
  const token = out[out.length - 1]?.next.token;
  if (token === undefined || token === null) throw new Error('llama.cpp sampled no token');
  return token;
}

export async function runLlamaCpp(gguf: string, spec: RunSpec): Promise<EngineRow[]> {
  const llama = await loadLlamaCpp();
  const model = await llama.loadModel({ modelPath: gguf });
  const rows: EngineRow[] = [];
  const perSequence = spec.promptLength + spec.decodeTokens + 1;
  for (const batch of spec.batches) {
    const context = await model.createContext({
      contextSize: batch * perSequence,
      sequences: batch,
      threads: spec.threads,
      batchSize: Math.max(512, batch * spec.promptLength),
    });
    const seqs = Array.from({ length: batch }, () => context.getSequence());
    const prompts = benchPrompts(batch, spec.promptLength, spec.vocabSize);
    const generate = async () => {
      const t0 = performance.now();
      let tokens = await Promise.all(seqs.map((s, i) => step(s, prompts[i]!)));
      const t1 = performance.now();
      for (let n = 1; n < spec.decodeTokens; n++) tokens = await Promise.all(seqs.map((s, i) => step(s, [tokens[i]!])));
      return engineRow(spec, batch, t0, t1, performance.now());
    };
    // The same work untimed first, as on the Conclave side, then clean histories.
    await generate();
    await Promise.all(seqs.map((s) => s.clearHistory()));
    rows.push(await generate());
    await context.dispose();
  }
  await model.dispose();
  return rows;
}
