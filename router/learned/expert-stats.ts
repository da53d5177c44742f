import { z } from 'zod';
import { callCostUsd, DEFAULT_EXPECTED_OUTPUT_TOKENS, type Prices } from '../cost';

// What training learned about each expert as a whole: how long its answers are (for the expected
// cost of a call before it is made) and how often it is right.

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
}
