import type { ArtifactRecord } from '../artifacts';
import { AGREEMENT_LADDER_ARTIFACT } from '../cascade/agreement-ladder';
import type { RoutingPolicy } from '../policy';
import type { ExpertProfile } from '../types';
import { isConclaveError } from '../errors';
import type { EvalOptions, ResultsByRouter } from './crossval';
import { crossValidate } from './crossval';
import { summarize } from './metrics';
import type { EvalExample } from './types';

// Whether a cascade preset should run the agreement ladder on this pool, decided on the training
// split alone: a cross-validation of it routes each preset both ways (the ladder within the
// preset's cost_budget, aggregated as the preset aggregates) and keeps the more accurate within
// the budget (`prefersLadder`). On MMLU-Pro, where wrong answers gather on shared
// distractors, the stacked-vote cascades win; on free-form answers the ladder does.

export interface LadderChoice {
  policy: string;
  budget: number;
  ladder: boolean;
  /** Inner cross-validated accuracy and cost (× best single) of each way. */
  cascade: { accuracy: number; cost: number };
  agreement: { accuracy: number; cost: number };
}

const asLadder = (p: RoutingPolicy): RoutingPolicy => ({ ...p, name: `${p.name} (agreement ladder)`, strategy: 'agreement' });

/** Chooses, per cascade preset with a cost_budget, between its cascade and the ladder by `folds`-fold cross-validation of `examples`; none when the data is too small to train a ladder. */
export async function chooseLadders(
  examples: readonly EvalExample[],
  folds: number,
  experts: ExpertProfile[],
  presets: readonly RoutingPolicy[],
  opts: EvalOptions,
): Promise<LadderChoice[]> {
  const tuned = presets.filter((p) => p.strategy === 'cascade' && p.cost_budget !== undefined);
  if (tuned.length === 0) return [];
  const policies = tuned.flatMap((p) => [p, asLadder(p)]);
  // Labelled already (pseudo-labels under --labels none), never through a live aggregator, every question routed.
  const { live: _live, routeAtMost: _limit, ladderFolds: _nested, onLadderChoice: _report, ...recorded } = opts;
  // One question leaves a fold nothing to train on; a training fold with too few questions of a
  // comparable kind trains no ladder (agreement-ladder.ts). Either way there is nothing to choose:
  // the presets keep their cascades.
  if (examples.length < 2) return [];
  let results: ResultsByRouter;
  try {
    results = await crossValidate(examples, folds, experts, { ...recorded, labels: 'all', policies, includeBaselines: true });
  } catch (e) {
    if (isConclaveError(e) && e.code === 'strategy_not_trained') return [];
    throw e;
  }
  const bestSingle = summarize(results.get('best-single')!, 0).cost_per_query;
  const point = (name: string): Point => {
    const routed = results.get(name)!;
    const m = summarize(routed, bestSingle);
    const costs = routed.map((r) => (bestSingle > 0 ? r.costUsd / bestSingle : 0));
    const variance = costs.reduce((s, c) => s + (c - m.cost_vs_best_single) ** 2, 0) / Math.max(1, costs.length - 1);
    return { accuracy: m.accuracy, cost: m.cost_vs_best_single, costError: Math.sqrt(variance / Math.max(1, costs.length)) };
  };
  return tuned.map((p) => {
    const cascade = point(p.name);
    const agreement = point(asLadder(p).name);
    const budget = p.cost_budget!;
    const strip = ({ accuracy, cost }: Point) => ({ accuracy, cost });
    return { policy: p.name, budget, ladder: prefersLadder(cascade, agreement, budget), cascade: strip(cascade), agreement: strip(agreement) };
  });
}

interface Point {
  accuracy: number;
  cost: number;
  /** Standard error of the mean cost over the routed questions. */
  costError: number;
}

/**
 * The more accurate of the two within the budget (on a tie the cheaper); with neither within it,
 * the cheaper. A mean cost over the budget by less than two standard errors counts as within: a
 * cascade at 0.353× for a 0.35× budget is not known to be over it, and must not lose to a ladder
 * five points less accurate (MMLU-Pro's economy on one training split).
 */
export function prefersLadder(cascade: Point, ladder: Point, budget: number): boolean {
  const within = (x: Point) => x.cost - 2 * x.costError <= budget;
  if (within(cascade) !== within(ladder)) return within(ladder);
  if (!within(ladder)) return ladder.cost < cascade.cost;
  return ladder.accuracy > cascade.accuracy || (ladder.accuracy === cascade.accuracy && ladder.cost < cascade.cost);
}

/** The trained records with the ladder preferred at the chosen budgets. */
export function withLadderChoices(records: readonly ArtifactRecord[], choices: readonly LadderChoice[]): ArtifactRecord[] {
  const preferredAt = choices.filter((c) => c.ladder).map((c) => c.budget);
  return records.map((r) => (r.name === AGREEMENT_LADDER_ARTIFACT ? { ...r, data: { ...(r.data as object), preferredAt } } : r));
}
