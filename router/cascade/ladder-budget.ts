import type { KindLadders, Ladder } from './agreement-ladder';

// Spending one cost budget across the answer kinds' ladders (router/cascade/agreement-ladder.ts).
// The budget is a mean per request over the traffic, not a cap on each: a kind whose answers are
// long and whose agreement is rare (MATH on ZeroEval) may get a dearer ladder than the mean if a
// cheaper kind (GSM8K, where two cheap experts usually agree and are right) gives up less accuracy
// for the difference. The mix is the training one (each kind's share of the questions).

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
 * expected cost within `budget`; null when even the cheapest eligible ladders exceed it. Greedy
 * along each kind's upper convex hull of (cost, accuracy), from its cheapest ladder, taking the
 * step with the most accuracy per unit of cost that still fits: exact at the hull's vertices, and
 * no constant to tune.
 */
export function allocateLadders(kinds: readonly KindLadders[], budget: number, callCost: RungCost): Map<string, ChosenLadder> | null {
  const hulls = kinds.map((k) => ({ kind: k.kind, share: k.share, hull: upperHull(eligible(k.ladders, callCost)) }));
  if (hulls.some((h) => h.hull.length === 0)) return null;
  const at = hulls.map(() => 0);
  let spent = hulls.reduce((s, h) => s + h.share * h.hull[0]!.cost, 0);
  if (spent > budget) return null;
  for (;;) {
    let step = -1;
    let bestRate = -1;
    for (const [i, h] of hulls.entries()) {
      const from = h.hull[at[i]!];
      const to = h.hull[at[i]! + 1];
      if (!from || !to || spent + h.share * (to.cost - from.cost) > budget) continue;
      const rate = (to.ladder.accuracy - from.ladder.accuracy) / Math.max(to.cost - from.cost, Number.MIN_VALUE);
      if (rate > bestRate) [step, bestRate] = [i, rate];
    }
    if (step < 0) break;
    const h = hulls[step]!;
    spent += h.share * (h.hull[at[step]! + 1]!.cost - h.hull[at[step]!]!.cost);
    at[step]!++;
  }
  return new Map(hulls.map((h, i) => [h.kind, h.hull[at[i]!]!]));
}

/** The eligible ladders at current prices, on their frontier (each more accurate than every cheaper one), cheapest first. */
function eligible(ladders: readonly Ladder[], callCost: RungCost): ChosenLadder[] {
  const priced = ladders.flatMap((ladder) => {
    const cost = expectedCost(ladder, callCost);
    return cost === null ? [] : [{ ladder, cost }];
  });
  const out: ChosenLadder[] = [];
  for (const c of priced.sort((a, b) => a.cost - b.cost || b.ladder.accuracy - a.ladder.accuracy))
    if (out.length === 0 || c.ladder.accuracy > out.at(-1)!.ladder.accuracy) out.push(c);
  return out;
}

/** The frontier's upper convex hull: the points no mix of two others beats. */
function upperHull(frontier: readonly ChosenLadder[]): ChosenLadder[] {
  const hull: ChosenLadder[] = [];
  for (const p of frontier) {
    while (hull.length >= 2) {
      const [a, b] = [hull.at(-2)!, hull.at(-1)!];
      if ((b.ladder.accuracy - a.ladder.accuracy) * (p.cost - a.cost) <= (p.ladder.accuracy - a.ladder.accuracy) * (b.cost - a.cost)) hull.pop();
      else break;
    }
    hull.push(p);
  }
  return hull;
}
