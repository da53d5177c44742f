import { describe, expect, it } from 'vitest';
import { replayExpertProfile } from '../../router/data-format';
import { kFolds } from '../../router/eval/folds';
import { nestedCrossValidate, pickLambda, PRESET_BUDGETS } from '../../router/eval/nested';
import { seededRandom, shuffled } from '../../router/features/random';
import { PRESETS } from '../../router/presets';
import { loadExamples, loadModels, type RoutingExample } from '../../scripts/lib/dataset';

// λ chosen by nested cross-validation: each outer fold's λ comes from its training folds alone.

describe('pickLambda', () => {
  const points = [
    { lambda: 0, accuracy: 0.8, cost: 1.4 },
    { lambda: 0.1, accuracy: 0.78, cost: 0.5 },
    { lambda: 0.2, accuracy: 0.78, cost: 0.3 },
    { lambda: 0.5, accuracy: 0.7, cost: 0.2 },
  ];
  it('takes the most accurate λ within the budget, the cheaper on a tie', () => {
    expect(pickLambda(points, 1.5).lambda).toBe(0);
    expect(pickLambda(points, 0.6).lambda).toBe(0.2);
    expect(pickLambda(points, 0.25).lambda).toBe(0.5);
  });
  it('takes the cheapest when nothing fits the budget', () => {
    expect(pickLambda(points, 0.1).lambda).toBe(0.5);
  });
});

describe('nestedCrossValidate', () => {
  const ZERO = 'data/zeroeval-routing';
  const experts = loadModels(`${ZERO}/models.json`).map(replayExpertProfile);
  const examples = loadExamples(`${ZERO}/dev.jsonl.gz`).slice(0, 120);
  const tuned = [...PRESETS.values()].map((policy) => ({ policy, budget: PRESET_BUDGETS[policy.name]! }));
  const grid = [0, 0.3];
  const opts = { policies: [], source: 'pred', includeBaselines: true } as const;
  const run = (xs: readonly RoutingExample[]) => nestedCrossValidate(xs, 2, 2, experts, tuned, grid, opts);

  /** The labels of outer fold `f` permuted among its own questions. */
  const scrambleFold = (f: number): RoutingExample[] => {
    const fold = kFolds(examples.length, 2)[f]!;
    const donors = shuffled(fold, seededRandom(5));
    const out = [...examples];
    fold.forEach((i, j) => (out[i] = { ...examples[i]!, answer: examples[donors[j]!]!.answer, outcomes: examples[donors[j]!]!.outcomes }));
    return out;
  };

  it("routes every question under each preset's name with a λ of the grid chosen per fold, never from the fold it routes", async () => {
    const { results, chosen } = await run(examples);
    for (const t of tuned) expect(results.get(t.policy.name)).toHaveLength(examples.length);
    expect(results.get('best-single')).toHaveLength(examples.length);
    expect(chosen).toHaveLength(2);
    for (const c of chosen) for (const t of tuned) expect(grid).toContain(c.get(t.policy.name)!.lambda);
    // Fold 0's choice depends on fold 1's questions only: scrambling fold 0's labels leaves it.
    const scrambled = await run(scrambleFold(0));
    expect(scrambled.chosen[0]).toEqual(chosen[0]);
  }, 120_000);
});
