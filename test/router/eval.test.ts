import { beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactSet } from '../../router/artifacts';
import { baselineRouters, summarizeTraining } from '../../router/eval/baselines';
import { kFolds, trainIndices } from '../../router/eval/folds';
import { frontierSvg } from '../../router/eval/frontier';
import { withLadderChoices } from '../../router/eval/ladder-choice';
import { AGREEMENT_LADDER_ARTIFACT } from '../../router/cascade/agreement-ladder';
import { summarize } from '../../router/eval/metrics';
import { playDecision } from '../../router/eval/replay';
import type { EvalExample } from '../../router/eval/types';
import { seededRandom, shuffled } from '../../router/features/random';
import type { RoutingPolicy } from '../../router/policy';
import { PRESETS } from '../../router/presets';
import { buildStrategies } from '../../router/strategies';
import type { RoutingStrategy } from '../../router/types';
import { loadExamples, loadModels, type RoutingExample } from '../../scripts/lib/dataset';
import { replayExpertProfile } from '../../router/data-format';
import { artifactSet, devSlice, replayExperts, trainSmall } from './fixtures';

const experts = replayExperts();

describe('folds', () => {
  it('partition the questions into k disjoint test folds', () => {
    const folds = kFolds(103, 5);
    expect(folds.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 103 }, (_, i) => i));
    expect(Math.max(...folds.map((f) => f.length)) - Math.min(...folds.map((f) => f.length))).toBeLessThanOrEqual(1);
    expect(trainIndices(103, folds[0]!)).toHaveLength(103 - folds[0]!.length);
  });
});

describe('baselines and metrics', () => {
  const trainSet = devSlice(0, 400);
  const testSet = devSlice(400, 600);
  const summary = summarizeTraining(trainSet, experts);
  const routers = new Map(baselineRouters(summary, experts, 'pred').map((r) => [r.name, r]));
  const run = (name: string) => testSet.map((x) => routers.get(name)!.run(x) as ReturnType<typeof playDecision>);

  it('picks the best single model on the training split and scores it with its recorded outcomes', () => {
    expect(summary.bestSingle).toBe('gemini-1.5-pro-002');
    const m = summarize(run('best-single'), 1);
    expect(m.accuracy).toBeCloseTo(testSet.filter((x) => x.outcomes[summary.bestSingle]!.correct).length / testSet.length, 9);
    expect(m.experts_per_query).toBe(1);
  });

  it('bounds everything by the oracle and costs cascades per step', () => {
    const oracle = summarize(run('oracle'), 1).accuracy;
    for (const name of ['best-single', 'vote-top3', 'vote-top5', 'agreement-cascade', 'random'])
      expect(summarize(run(name), 1).accuracy).toBeLessThanOrEqual(oracle);
    const cascade = run('agreement-cascade');
    expect(cascade.every((r) => r.called.length === 2 || r.called.length === 3)).toBe(true);
    expect(cascade.some((r) => r.called.length === 3)).toBe(true);
    const single = run('best-single');
    const best = summary.bestSingle;
    // An escalated question costs both cheap experts plus the strong one.
    cascade.forEach((r, i) => {
      if (r.called.length === 3) expect(r.costUsd).toBeGreaterThan(single[i]!.costUsd);
      expect(r.called.includes(best)).toBe(r.called.length === 3);
    });
  });

  it('reports cost relative to the best single model', () => {
    const m = summarize(
      [
        { correct: true, costUsd: 2, called: ['a'], answer: 'A' },
        { correct: false, costUsd: 4, called: ['a', 'b'], answer: null },
      ],
      6,
    );
    expect(m).toEqual({ accuracy: 0.5, cost_per_query: 3, cost_vs_best_single: 0.5, experts_per_query: 1.5 });
  });

  it('draws the frontier with every point, listing the ones far outside the sweeps instead of squashing the axis', () => {
    const metrics = { accuracy: 0.7, cost_per_query: 0.0005, cost_vs_best_single: 1, experts_per_query: 1 };
    const svg = frontierSvg({
      title: 't',
      sweeps: [
        {
          label: 'learned',
          colour: '#000',
          points: [
            { label: 'a', metrics },
            { label: 'b', metrics: { ...metrics, accuracy: 0.6, cost_per_query: 0.0001 } },
          ],
        },
      ],
      points: [
        { label: 'best-single', metrics },
        { label: 'oracle', metrics: { ...metrics, accuracy: 0.95, cost_vs_best_single: 0.14 } },
      ],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('best-single  70.0%, 1.00× cost');
    expect(svg).toContain('oracle  95.0%, 0.14× cost');
    // Two swept points and best-single are drawn; the oracle, 25 points above the sweeps, is only listed.
    expect(svg.match(/<circle/g)).toHaveLength(3);
    expect(svg).not.toContain('>90%<');
  });
});

/** Permutes every label across the questions: answers, categories and the experts' recorded outcomes. */
function scrambleLabels(examples: readonly RoutingExample[], keepTexts: boolean): RoutingExample[] {
  const rand = seededRandom(99);
  const donors = shuffled(examples, rand);
  return examples.map((x, i) => {
    const d = donors[i]!;
    const outcomes = keepTexts ? Object.fromEntries(Object.entries(x.outcomes).map(([id, o]) => [id, { ...o, correct: d.outcomes[id]!.correct }])) : d.outcomes;
    return { ...x, answer: d.answer, category: d.category, outcomes };
  });
}

// Both workloads: MMLU-Pro (letters, 29 models) and ZeroEval (free-form answers, 25 other models).
const WORKLOADS = [
  { name: 'MMLU-Pro', pool: experts, train: () => devSlice(0, 1200), test: () => devSlice(1200, 1320), best: 'gemini-1.5-pro-002', kinds: false },
  {
    name: 'ZeroEval',
    pool: loadModels('data/zeroeval-routing/models.json').map(replayExpertProfile),
    // GSM8K and CRUXEval questions (the split is ordered by task), so the ladders are learned per answer kind.
    train: () => [...zeroEval().slice(0, 540), ...zeroEval().slice(700, 760)],
    test: () => zeroEval().slice(600, 700),
    best: 'gpt-4o-2024-05-13',
    kinds: true,
  },
];
let zero: RoutingExample[] | null = null;
const zeroEval = () => (zero ??= loadExamples('data/zeroeval-routing/dev.jsonl.gz'));

describe.each(WORKLOADS)('labels of --data are only used to score ($name)', ({ pool, train, test, best, kinds }) => {
  let artifacts: ArtifactSet;
  let strategies: Map<string, RoutingStrategy>;
  const testSet = test();
  const poolPrices = new Map(pool.map((e) => [e.id, e]));
  const policies: RoutingPolicy[] = [
    ...PRESETS.values(),
    { name: 'skill', strategy: 'skill', aggregate: 'vote', k: 3 },
    { name: 'learned', strategy: 'learned', aggregate: 'first', lambda: 0.0275 },
    { name: 'bandit', strategy: 'bandit', aggregate: 'first' },
    { name: 'agreement', strategy: 'agreement', aggregate: 'vote', cost_budget: 1 },
  ];
  beforeAll(() => {
    // Economy runs its cascade as the agreement ladder, as training chooses on free-form pools.
    const economy = {
      policy: 'economy',
      budget: PRESETS.get('economy')!.cost_budget!,
      ladder: true,
      cascade: { accuracy: 0, cost: 0 },
      agreement: { accuracy: 1, cost: 0 },
    };
    artifacts = artifactSet(withLadderChoices(trainSmall(train(), poolPrices), [economy]));
    expect(artifacts.has(AGREEMENT_LADDER_ARTIFACT)).toBe(true);
    strategies = buildStrategies(artifacts);
  });
  const decide = (policy: RoutingPolicy, x: EvalExample) =>
    strategies.get(policy.strategy)!.decide({ prompt: x.prompt, messages: [{ role: 'user', content: x.prompt }] }, pool, policy);

  it('makes the same decisions when answers, categories and outcomes are scrambled', async () => {
    const scrambled = scrambleLabels(testSet, false);
    // The scramble is real: the best model's recorded correctness differs on many questions.
    expect(testSet.filter((x, i) => x.outcomes[best]!.correct !== scrambled[i]!.outcomes[best]!.correct).length).toBeGreaterThan(10);
    for (const policy of policies) {
      for (let i = 0; i < testSet.length; i++) {
        const a = await decide(policy, testSet[i]!);
        const b = await decide(policy, scrambled[i]!);
        expect(b.ranked, policy.name).toEqual(a.ranked);
        expect(b.stages, policy.name).toEqual(a.stages);
      }
    }
    expect((await decide(PRESETS.get('economy')!, testSet[0]!)).info).toMatchObject({ ladder_mode: 'agreement' });
    expect((await decide(policies.at(-1)!, testSet.at(-1)!)).info?.['ladder_kind']).toBe(kinds ? 'value' : undefined);
  });

  it('calls the same experts, cascades included, when only the labels (not the answers) are scrambled', async () => {
    const scrambled = scrambleLabels(testSet, true);
    for (const policy of policies) {
      for (let i = 0; i < testSet.length; i++) {
        const opts = { aggregation: 'first' as const, source: 'pred' as const };
        const a = playDecision(await decide(policy, testSet[i]!), testSet[i]!, poolPrices, opts);
        const b = playDecision(await decide(policy, scrambled[i]!), scrambled[i]!, poolPrices, opts);
        expect(b.called, policy.name).toEqual(a.called);
        expect(b.costUsd).toBe(a.costUsd);
      }
    }
  });
});
