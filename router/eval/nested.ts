import type { RoutingPolicy } from '../policy';
import { PRESETS } from '../presets';
import type { ExpertProfile } from '../types';
import { crossValidate, evaluateSplit, type EvalOptions, type ResultsByRouter } from './crossval';
import { kFolds, trainIndices } from './folds';
import { summarize } from './metrics';
import type { EvalExample } from './types';

// Nested cross-validation of λ: in each outer fold a policy's λ is chosen by an inner
// cross-validation of the outer training folds alone (the most accurate λ of a grid whose cost
// stays within a budget relative to the best single model), then that λ routes the outer test
// fold. The outer figures estimate what choosing λ on a split gives on questions it never saw.

/** A policy whose λ is chosen on the training split, under a cost budget (× the best single model's cost). */
export interface TunedPolicy {
  policy: RoutingPolicy;
  budget: number;
}

/** The presets' cost budgets (router/presets.ts). */
export const PRESET_BUDGETS: Readonly<Record<string, number>> = Object.fromEntries([...PRESETS.values()].map((p) => [p.name, p.cost_budget!]));

export const DEFAULT_LAMBDA_GRID: readonly number[] = [0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.13, 0.165, 0.2, 0.25, 0.3, 0.4, 0.5];

export interface LambdaChoice {
  lambda: number;
  /** Inner cross-validated accuracy and cost (× best single) of the chosen λ. */
  accuracy: number;
  cost: number;
}

const variant = (policy: RoutingPolicy, lambda: number): RoutingPolicy => ({ ...policy, name: `${policy.name} λ=${lambda}`, lambda });

/**
 * The most accurate λ whose cost is within the budget (ties: the cheaper); when none is, the
 * cheapest. `metrics` are per λ, in grid order.
 */
export function pickLambda(points: readonly LambdaChoice[], budget: number): LambdaChoice {
  const within = points.filter((p) => p.cost <= budget);
  if (within.length === 0) return points.reduce((a, b) => (b.cost < a.cost ? b : a));
  return within.reduce((a, b) => (b.accuracy > a.accuracy || (b.accuracy === a.accuracy && b.cost < a.cost) ? b : a));
}

/** Chooses each policy's λ by `innerFolds`-fold cross-validation of `examples`. */
export async function chooseLambdas(
  examples: readonly EvalExample[],
  innerFolds: number,
  experts: ExpertProfile[],
  tuned: readonly TunedPolicy[],
  grid: readonly number[],
  opts: EvalOptions,
): Promise<Map<string, LambdaChoice>> {
  const policies = tuned.flatMap((t) => grid.map((l) => variant(t.policy, l)));
  // λ is chosen for the cascades as they are; the outer split's training decides on the ladder.
  const { ladderFolds: _outer, ...inner } = opts;
  const results = await crossValidate(examples, innerFolds, experts, { ...inner, policies, includeBaselines: true });
  const bestSingle = summarize(results.get('best-single')!, 0).cost_per_query;
  return new Map(
    tuned.map((t) => {
      const points = grid.map((lambda) => {
        const m = summarize(results.get(variant(t.policy, lambda).name)!, bestSingle);
        return { lambda, accuracy: m.accuracy, cost: m.cost_vs_best_single };
      });
      return [t.policy.name, pickLambda(points, t.budget)];
    }),
  );
}

/**
 * Outer k-fold cross-validation where each tuned policy routes a test fold with the λ chosen on
 * its training folds. Results are pooled in question order under the policy's own name, with the
 * baselines; `chosen[f]` is fold f's choice per policy.
 */
export async function nestedCrossValidate(
  examples: readonly EvalExample[],
  folds: number,
  innerFolds: number,
  experts: ExpertProfile[],
  tuned: readonly TunedPolicy[],
  grid: readonly number[],
  opts: EvalOptions,
  onFold?: (fold: number) => void,
): Promise<{ results: ResultsByRouter; chosen: Map<string, LambdaChoice>[] }> {
  const results: ResultsByRouter = new Map();
  const chosen: Map<string, LambdaChoice>[] = [];
  const n = examples.length;
  for (const [f, test] of kFolds(n, folds).entries()) {
    onFold?.(f);
    const trainSet = trainIndices(n, test).map((i) => examples[i]!);
    const choice = await chooseLambdas(trainSet, innerFolds, experts, tuned, grid, opts);
    chosen.push(choice);
    const policies = tuned.map((t) => ({ ...t.policy, lambda: choice.get(t.policy.name)!.lambda }));
    const fold = await evaluateSplit(
      trainSet,
      test.map((i) => examples[i]!),
      experts,
      { ...opts, policies },
    );
    for (const [name, rs] of fold) results.set(name, [...(results.get(name) ?? []), ...rs]);
  }
  return { results, chosen };
}
