import { tokensOf } from '../cost';
import { expertStatsSchema, type ExpertStats } from '../learned/expert-stats';
import type { TrainingExample } from '../train';

// Running means: each labelled outcome adds one answer to the expert's accuracy (kept smoothed as
// (correct + 1) / (answered + 2), as training computes it) and one length to its mean output tokens.

export function updateExpertStats(data: unknown, examples: readonly TrainingExample[]): ExpertStats {
  const byId = new Map(expertStatsSchema.parse(data).experts.map((s) => [s.id, { ...s }]));
  for (const x of examples) {
    for (const [id, o] of Object.entries(x.outcomes)) {
      const s = byId.get(id) ?? { id, meanOutputTokens: 0, accuracy: 0.5, answered: 0 };
      const correct = s.accuracy * (s.answered + 2) - 1 + (o.correct ? 1 : 0);
      const answered = s.answered + 1;
      const tokens = o.text === undefined ? s.meanOutputTokens : tokensOf(o.text);
      byId.set(id, { id, accuracy: (correct + 1) / (answered + 2), answered, meanOutputTokens: s.meanOutputTokens + (tokens - s.meanOutputTokens) / answered });
    }
  }
  return { experts: [...byId.values()] };
}
