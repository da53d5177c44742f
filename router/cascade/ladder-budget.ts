import type { KindLadders, Ladder } from './agreement-ladder';

// Spending one cost budget across the answer kinds' ladders (router/cascade/agreement-ladder.ts).
// The budget is a mean per request over the traffic, not a cap on each: on ZeroEval at 1× the
// Python values of CRUXEval, where gpt-4o is far ahead of the cheap experts, get a dearer ladder
// than the mean and the numbers of GSM8K and MATH, where two cheap experts that agree are usually
// right, a cheaper one. The mix is the training one (each kind's share of the questions).

/** A rung's expected cost at the registry's current prices, relative to the pool's reference cost; null: not eligible. */
export type RungCost = (expertId: string, tokens: Ladder['tokens'][number]) => number | null;

export interface ChosenLadder {
  ladder: Ladder;
  /** Expected cost per request of its kind (relative). */
  cost: number;
}

/** Each rung's expected call times how often training reached it; null when a rung is not eligible. */
export function expectedCost(ladder: Ladder, callCost: RungCost): number | null {
  let cost = 0;
  for (const [r, id] of ladder.experts.entries()) {
    const c = callCost(id, ladder.tokens[r]!);
    if (c === null) return null;
    cost += c * ladder.reach[r]!;
  }
  return cost;
}

/**
 * One ladder per kind maximising the share-weighted training accuracy with the share-weighted
 * expected cost within `budget`; null when even the cheapest eligible ladders exceed it. Exact:
 * the kinds are merged one at a time, keeping only the partial choices that fit and that no
 * cheaper one matches in accuracy (a Pareto set, a few dozen entries). A greedy walk along each
 * kind's convex hull is not enough: at a tight budget the ladder that fits is often not on the
 * hull (ZeroEval at 0.35×: 82.4% against 82.6% over four fold assignments).
 */
export function allocateLadders(kinds: readonly KindLadders[], budget: number, callCost: RungCost): Map<string, ChosenLadder> | null {
  let partial: { cost: number; accuracy: number; picks: ChosenLadder[] }[] = [{ cost: 0, accuracy: 0, picks: [] }];
  for (const k of kinds) {
    const choices = eligible(k.ladders, callCost);
    const merged = partial.flatMap((p) =>
      choices.map((c) => ({
        cost: p.cost + k.share * c.cost,
        accuracy: p.accuracy + k.share * c.ladder.accuracy,
        picks: [...p.picks, c],
      })),
    );
    partial = pareto(merged.filter((m) => m.cost <= budget));
    if (partial.length === 0) return null;
  }
  const best = partial.at(-1)!;
  return new Map(kinds.map((k, i) => [k.kind, best.picks[i]!]));
}

/** The eligible ladders at current prices, on their frontier (each more accurate than every cheaper one), cheapest first. */
function eligible(ladders: readonly Ladder[], callCost: RungCost): ChosenLadder[] {
  const priced = ladders.flatMap((ladder) => {
    const cost = expectedCost(ladder, callCost);
    return cost === null ? [] : [{ cost, accuracy: ladder.accuracy, ladder }];
  });
  return pareto(priced).map(({ ladder, cost }) => ({ ladder, cost }));
}

/** The entries more accurate than every cheaper one, cheapest first (the last is the most accurate). */
function pareto<T extends { cost: number; accuracy: number }>(items: readonly T[]): T[] {
  const out: T[] = [];
  for (const x of [...items].sort((a, b) => a.cost - b.cost || b.accuracy - a.accuracy)) if (out.length === 0 || x.accuracy > out.at(-1)!.accuracy) out.push(x);
  return out;
}
