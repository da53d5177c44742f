// The counting behind `vote` and `weighted-vote`, shared by the live aggregator and the offline
// evaluation so both decide ties the same way.

/** One expert's vote: its normalised answer (null when none could be extracted) and weight. */
export interface Ballot {
  expertId: string;
  answer: string | null;
  weight: number;
}

export interface VoteOutcome {
  /** The winning normalised answer; null when no ballot had an answer. */
  answer: string | null;
  /** The expert whose answer is returned: the most competent supporter of the winning answer. */
  winner: string | null;
  /** Summed weight per answer (a plain count for unweighted votes). */
  tally: Record<string, number>;
}

/**
 * Majority by summed weight. Ties between answers go to the one whose best supporter is more
 * competent, then to the one voted for first; the winner is that answer's most competent supporter
 * (the earliest among equals). Unknown competence counts as 0.
 */
export function countVotes(ballots: readonly Ballot[], competence: ReadonlyMap<string, number> = new Map()): VoteOutcome {
  const tally: Record<string, number> = {};
  const champion = new Map<string, { expertId: string; competence: number; order: number }>();
  ballots.forEach((b, order) => {
    if (b.answer === null) return;
    tally[b.answer] = (tally[b.answer] ?? 0) + b.weight;
    const c = competence.get(b.expertId) ?? 0;
    const best = champion.get(b.answer);
    if (!best) champion.set(b.answer, { expertId: b.expertId, competence: c, order });
    else if (c > best.competence) champion.set(b.answer, { expertId: b.expertId, competence: c, order: best.order });
  });

  let answer: string | null = null;
  for (const candidate of champion.keys()) {
    if (answer === null || beats(candidate, answer)) answer = candidate;
  }
  return { answer, winner: answer === null ? null : champion.get(answer)!.expertId, tally };

  function beats(a: string, b: string): boolean {
    // Weights are sums of floats: differences below 1e-9 are rounding, i.e. a tie.
    const diff = tally[a]! - tally[b]!;
    if (Math.abs(diff) > 1e-9) return diff > 0;
    const ca = champion.get(a)!;
    const cb = champion.get(b)!;
    if (ca.competence !== cb.competence) return ca.competence > cb.competence;
    return ca.order < cb.order;
  }
}
