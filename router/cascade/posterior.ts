// How sure the answers so far make us of one choice. Each answer votes for its choice with the
// log-odds of being right against the K - 1 other options (naive Bayes over independent experts):
// two 65% experts that agree are far surer than either, two that disagree are each less sure.

/** MMLU-Pro has up to 10 options; a smaller K would only make agreement look rarer. */
export const OPTIONS = 10;

export interface Vote {
  choice: string | null;
  /** P(this answer is right). */
  p: number;
}

export interface Posterior {
  choice: string | null;
  /** P(choice is right). */
  p: number;
}

export function choicePosterior(votes: readonly Vote[], options = OPTIONS): Posterior {
  const score = new Map<string, number>();
  for (const v of votes) {
    if (v.choice === null) continue;
    const p = Math.min(1 - 1e-6, Math.max(1e-6, v.p));
    score.set(v.choice, (score.get(v.choice) ?? 0) + Math.log((p * (options - 1)) / (1 - p)));
  }
  if (score.size === 0) return { choice: null, p: 1 / options };
  const max = Math.max(...score.values());
  let total = Math.max(0, options - score.size) * Math.exp(-max);
  let best: string | null = null;
  for (const [choice, s] of score) {
    total += Math.exp(s - max);
    if (best === null || s > score.get(best)!) best = choice;
  }
  return { choice: best, p: 1 / total };
}
