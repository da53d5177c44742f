import { z } from 'zod';
import { callCostUsd, DEFAULT_EXPECTED_OUTPUT_TOKENS, type Prices } from '../cost';
import type { ExpertProfile } from '../types';

// What training learned about each expert as a whole: how long its answers are (for the expected
// cost of a call before it is made) and how often it is right; and of the prompts, how long they
// are, which with the registry's prices sets the pool's reference cost (the unit of λ).

export const EXPERT_STATS_ARTIFACT = 'expert-stats';

export const expertStatsSchema = z.object({
  experts: z.array(
    z.object({
      id: z.string(),
      /** Mean tokens of the expert's answers on the training prompts. */
      meanOutputTokens: z.number().nonnegative(),
      /** Smoothed accuracy on the training prompts. */
      accuracy: z.number().min(0).max(1),
      answered: z.number().int().nonnegative(),
    }),
  ),
  /** Mean tokens of the training prompts (absent in artifacts trained before λ became relative). */
  meanPromptTokens: z.number().nonnegative().optional(),
});
export type ExpertStats = z.infer<typeof expertStatsSchema>;

export class ExpertStatsTable {
  private readonly byId: ReadonlyMap<string, ExpertStats['experts'][number]>;

  constructor(readonly stats: ExpertStats) {
    this.byId = new Map(stats.experts.map((s) => [s.id, s]));
  }

  static fromArtifact(data: unknown): ExpertStatsTable {
    return new ExpertStatsTable(expertStatsSchema.parse(data));
  }

  accuracy(expertId: string): number | undefined {
    return this.byId.get(expertId)?.accuracy;
  }

  /** Expected USD of calling the expert on a prompt, before it answers. */
  expectedCostUsd(expertId: string, prices: Prices, promptTokens: number): number {
    const completionTokens = this.byId.get(expertId)?.meanOutputTokens ?? DEFAULT_EXPECTED_OUTPUT_TOKENS;
    return callCostUsd(prices, { promptTokens, completionTokens });
  }

  /**
   * λ's unit: the expected cost of one query to the pool's reference expert, the most accurate
   * trained one among `experts`, on the mean training prompt. Costs divided by it read the same on
   * any pool and price level (a call "as dear as the best single model" is 1). `promptTokens`
   * stands in for the mean when the artifact predates it. Without a trained expert, or when it is
   * free, the dearest expert sets the unit; 0 only when every expert is free.
   */
  referenceCostUsd(experts: readonly ExpertProfile[], promptTokens: number): number {
    const tokens = this.stats.meanPromptTokens ?? promptTokens;
    let best: ExpertProfile | undefined;
    for (const e of experts) {
      const a = this.accuracy(e.id);
      if (a !== undefined && (best === undefined || a > this.accuracy(best.id)! || (a === this.accuracy(best.id) && e.id < best.id))) best = e;
    }
    const reference = best ? this.expectedCostUsd(best.id, best, tokens) : 0;
    return reference > 0 ? reference : Math.max(0, ...experts.map((e) => this.expectedCostUsd(e.id, e, tokens)));
  }
}

/** A cost in units of the pool's reference cost (`referenceCostUsd`); 0 when every expert is free. */
export function relativeCost(costUsd: number, referenceUsd: number): number {
  return referenceUsd > 0 ? costUsd / referenceUsd : 0;
}
