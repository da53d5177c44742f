// What every engine of the serving benchmark measures, and the prompts they all get.

export type EngineName = 'conclave' | 'llama.cpp';

export interface RunSpec {
  batches: number[];
  promptLength: number;
  /** Tokens generated per sequence, the first one (from the prefill step) included. */
  decodeTokens: number;
  threads: number;
  vocabSize: number;
}

/** One batch size on one engine. */
export interface EngineRow {
  batch: number;
  prefill_tokens_per_s: number;
  decode_tokens_per_s: number;
  tpot_ms: number;
  rss_mb: number;
}

/** Distinct prompts so sequences route to different experts, as real traffic does; ids in [1, vocab). */
export function benchPrompts(batch: number, length: number, vocabSize: number): number[][] {
  return Array.from({ length: batch }, (_, s) => Array.from({ length }, (_, i) => 1 + ((s * 7919 + i * 104729) % (vocabSize - 1))));
}

/**
 * Rates from three instants: submit (t0), every prompt done and its first token sampled (t1), the last
 * token of every sequence (t2). Decode covers the tokens after the first, one per sequence per step.
 */
export function engineRow(spec: RunSpec, batch: number, t0: number, t1: number, t2: number): EngineRow {
  const steps = spec.decodeTokens - 1;
  return {
    batch,
    prefill_tokens_per_s: (batch * spec.promptLength) / ((t1 - t0) / 1000),
    decode_tokens_per_s: (batch * steps) / ((t2 - t1) / 1000),
    tpot_ms: (t2 - t1) / steps,
    rss_mb: process.memoryUsage().rss / 2 ** 20,
  };
}
