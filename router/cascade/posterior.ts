// How sure the answers so far make us of one choice. Each answer votes for its choice with the
// log-odds of being right against the K - 1 other options (naive Bayes over independent experts):
// two 65% experts that agree are far surer than either, two that disagree are each less sure.

/** MMLU-Pro has up to 10 options; a smaller K would only make agreement look rarer. */
export const OPTIONS = 10;

/**
 * The K that makes agreement as informative as it really is. Wrong answers do not spread over the
 * nine other letters: they gather on a few distractors that experts share. On the dev split, when
 * two of the strongest experts are both wrong they name the same letter 48–55% of the time, as if
 * there were two wrong options, not nine. With K = 10 two agreeing cheap experts (flash and
 * DeepSeek-Coder) look 95% sure and are right 81% of the time; with K = 3, 86%.
 */
export const EFFECTIVE_OPTIONS = 3;

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

/** The most likely choice and its probability. */
export function choicePosterior(votes: readonly Vote[], options = OPTIONS): Posterior {
  const { score, total } = logOdds(votes, options);
  if (score.size === 0) return { choice: null, p: 1 / options };
  let best: string | null = null;
  for (const [choice, s] of score) if (best === null || s > score.get(best)!) best = choice;
  return { choice: best, p: 1 / total };
}

/** P(`choice` is right) given the votes; a missing answer (null) is never right. */
export function choiceProbability(votes: readonly Vote[], choice: string | null, options = OPTIONS): number {
  if (choice === null) return 0;
  const { score, max, total } = logOdds(votes, options);
  return Math.exp((score.get(choice) ?? 0) - max) / total;
}

/**
 * Summed log-odds per choice named, their maximum (0 when none, the prior's level), and the
 * normaliser over all options relative to that maximum (unnamed options score 0).
 */
function logOdds(votes: readonly Vote[], options: number): { score: Map<string, number>; max: number; total: number } {
  const score = new Map<string, number>();
  for (const v of votes) {
    if (v.choice === null) continue;
    const p = Math.min(1 - 1e-6, Math.max(1e-6, v.p));
    score.set(v.choice, (score.get(v.choice) ?? 0) + Math.log((p * (options - 1)) / (1 - p)));
  }
  const max = score.size ? Math.max(...score.values()) : 0;
  let total = Math.max(0, options - score.size) * Math.exp(-max);
  for (const s of score.values()) total += Math.exp(s - max);
  return { score, max, total };
}
