import type { Metrics, QuestionResult } from './types';

/** Pools per-question results; `bestSingleCost` is the best single model's mean cost on the same questions. */
export function summarize(results: readonly QuestionResult[], bestSingleCost: number): Metrics {
  const n = results.length || 1;
  const cost = results.reduce((s, r) => s + r.costUsd, 0) / n;
  return {
    accuracy: results.filter((r) => r.correct).length / n,
    cost_per_query: cost,
    cost_vs_best_single: bestSingleCost > 0 ? cost / bestSingleCost : 0,
    experts_per_query: results.reduce((s, r) => s + r.called.length, 0) / n,
  };
}

/** How often the text-extracted choice agreed with the recorded pred, or null if never measured. */
export function extractionAgreement(results: readonly QuestionResult[]): number | null {
  let agree = 0;
  let total = 0;
  for (const r of results) {
    if (!r.extraction) continue;
    agree += r.extraction.agree;
    total += r.extraction.total;
  }
  return total ? agree / total : null;
}
