import { describe, expect, it } from 'vitest';
import { trainAgreementLadders, runLadder } from '../../router/cascade/agreement-ladder';
import { chooseLadder, createAgreementStrategy } from '../../router/cascade/agreement-strategy';
import { allocateLadders } from '../../router/cascade/ladder-budget';
import { replayExpertProfile } from '../../router/data-format';
import { pricesOf } from '../../router/eval/baselines';
import { prefersLadder } from '../../router/eval/ladder-choice';
import { seededRandom } from '../../router/features/random';
import type { RoutingPolicy } from '../../router/policy';
import { policyForPrompt } from '../../router/prompt-policy';
import { train, type TrainingExample } from '../../router/train';
import type { RoutingDecision } from '../../router/types';
import { answered, artifactSet } from './fixtures';

// The agreement ladder on a synthetic pool: two cheap experts right 60% of the time, a mid-priced
// one 70%, a dear one 90%; wrong answers scatter, so two agreeing answers are almost always right.

const POOL = [
  { name: 'cheap-a', inputPricePerMTok: 0.1, outputPricePerMTok: 0.1, accuracy: 0.6 },
  { name: 'cheap-b', inputPricePerMTok: 0.1, outputPricePerMTok: 0.1, accuracy: 0.6 },
  { name: 'mid', inputPricePerMTok: 1, outputPricePerMTok: 1, accuracy: 0.7 },
  { name: 'dear', inputPricePerMTok: 10, outputPricePerMTok: 10, accuracy: 0.9 },
];
const EXPERTS = POOL.map(replayExpertProfile);
const question = (i: number) => `Question ${i}: what is ${i} + ${i}? Answer with the number.`;

function examples(n: number, pool = POOL): TrainingExample[] {
  const rand = seededRandom(3);
  return Array.from({ length: n }, (_, i) => ({
    prompt: question(i),
    outcomes: Object.fromEntries(
      pool.map((e) => {
        const correct = rand() < e.accuracy;
        return [e.name, { correct, text: `The answer is ${correct ? 2 * i : 2 * i + 1 + Math.floor(rand() * 50)}.` }];
      }),
    ),
  }));
}

const TRAINED = train(examples(120), { version: 1, createdAt: '2025-01-01T00:00:00.000Z', prices: pricesOf(EXPERTS) });
const strategy = createAgreementStrategy(artifactSet(TRAINED));
const decide = (prompt: string, cost_budget: number) =>
  strategy.decide({ prompt, messages: [{ role: 'user', content: prompt }] }, EXPERTS, {
    name: 'a',
    strategy: 'agreement',
    aggregate: 'vote',
    cost_budget,
  }) as RoutingDecision;

describe('agreement ladder', () => {
  it('stops as soon as two answers agree, else falls back to the most competent stated answer', () => {
    expect(runLadder([4, 4, 7, 8], [0.6, 0.6, 0.7, 0.9])).toEqual({ rungs: 2, right: 0 });
    expect(runLadder([4, 5, 5, 8], [0.6, 0.6, 0.7, 0.9])).toEqual({ rungs: 3, right: 1 });
    // Nobody agrees: the plurality of single ballots goes to the most competent expert; no answer never agrees.
    expect(runLadder([4, 5, 6, 7], [0.6, 0.6, 0.9, 0.7])).toEqual({ rungs: 4, right: 2 });
    expect(runLadder([-1, -1, 6, -1], [0.6, 0.6, 0.7, 0.9])).toEqual({ rungs: 4, right: 2 });
  });

  it('learns a frontier of ladders, cheapest first, each more accurate than the cheaper ones', () => {
    const trained = trainAgreementLadders(examples(120), pricesOf(EXPERTS))!;
    const { ladders } = trained;
    expect(ladders.length).toBeGreaterThan(1);
    for (let i = 1; i < ladders.length; i++) {
      expect(ladders[i]!.cost).toBeGreaterThan(ladders[i - 1]!.cost);
      expect(ladders[i]!.accuracy).toBeGreaterThan(ladders[i - 1]!.accuracy);
    }
    // Two cheap experts first, the dear one only when they disagree: more accurate than 'dear' alone (cost 1), for less.
    const dear = examples(120).filter((x) => x.outcomes['dear']!.correct).length / 120;
    expect(ladders.some((l) => l.experts.length > 1 && l.cost < 1 && l.accuracy > dear)).toBe(true);
    expect(trainAgreementLadders(examples(120), undefined)).toBeNull(); // no prices, no recorded costs: nothing to budget
  });

  it('continues the frontier ladders with the rest of the pool while no two answers agree', () => {
    // Five experts: the frontier's most accurate ladders ask all five (the search itself orders at most four).
    const pool = [...POOL, { name: 'mid-2', inputPricePerMTok: 1, outputPricePerMTok: 1, accuracy: 0.7 }];
    const { ladders } = trainAgreementLadders(examples(120, pool), pricesOf(pool.map(replayExpertProfile)))!;
    expect(ladders.at(-1)!.experts).toHaveLength(5);
    expect(ladders.at(-1)!.accuracy).toBeGreaterThan(Math.max(...ladders.filter((l) => l.experts.length <= 4).map((l) => l.accuracy)));
  });

  it('calls the first two rungs together and the next only while no two answers agree', () => {
    const decision = decide(question(1000), 1);
    expect(decision.stages[0]).toHaveLength(2);
    expect(decision.aggregate).toBe('vote');
    const [a, b] = decision.stages[0]!.map((c) => c.expertId);
    expect(decision.escalate!([answered(a!, 'The answer is 2000.'), answered(b!, 'The answer is 2,000')], 0)).toBe(false);
    expect(decision.escalate!([answered(a!, 'The answer is 2000.'), answered(b!, 'The answer is 2001.')], 0)).toBe(true);
  });

  it('keeps to the budget: the most accurate ladder whose expected cost fits, one expert when none does', () => {
    let accuracy = 0;
    for (const budget of [0.05, 0.3, 1, 2]) {
      const chosen = decide(question(1000), budget).info as { expected_cost: number; training_accuracy: number; ladder: string[] | null };
      if (!chosen.ladder) continue;
      expect(chosen.expected_cost).toBeLessThanOrEqual(budget);
      expect(chosen.training_accuracy).toBeGreaterThanOrEqual(accuracy);
      accuracy = chosen.training_accuracy;
    }
    expect(accuracy).toBeGreaterThan(0.9);
    // A rung that is not eligible rules its ladder out; with none left, or no budget, one expert answers.
    expect(chooseLadder(trainAgreementLadders(examples(120), pricesOf(EXPERTS))!.ladders, 10, () => null)).toBeNull();
    const none = decide(question(1000), 0).stages;
    expect(none).toHaveLength(1);
    expect(none[0]!.map((c) => c.expertId)).toEqual([expect.stringMatching(/^cheap-/)]);
  });

  it('learns a frontier per answer kind when the prompts ask for several, and spends the budget where it buys most', () => {
    const code = (i: number) => `What does this code return? [PYTHON]\ndef f(x):\n    return x * 2\nassert f(${i}) == ??\n[/PYTHON]`;
    const mixed = [...examples(90), ...examples(60).map((x, i) => ({ ...x, prompt: code(i) }))];
    const { byKind } = trainAgreementLadders(mixed, pricesOf(EXPERTS))!;
    expect(byKind.map((k) => [k.kind, k.share])).toEqual([
      ['number', 0.6],
      ['value', 0.4],
    ]);
    expect(trainAgreementLadders(examples(120), pricesOf(EXPERTS))!.byKind).toEqual([]); // one kind: the whole frontier serves it

    // Kind a is nearly solved cheaply, kind b gains 30 points from its dear ladder: at a mean budget of
    // 0.55 b gets the dear one and a the cheap one, where a per-request cap of 0.55 would give neither.
    const ladder = (expert: string, accuracy: number, cost: number) => ({
      experts: [expert],
      accuracy,
      reach: [1],
      tokens: [{ prompt: 1, completion: 1 }],
      cost,
    });
    const kinds = [
      { kind: 'a', share: 0.5, ladders: [ladder('a-cheap', 0.9, 0.1), ladder('a-dear', 0.92, 1)] },
      { kind: 'b', share: 0.5, ladders: [ladder('b-cheap', 0.5, 0.1), ladder('b-dear', 0.8, 1)] },
    ];
    const costOf = (id: string) => (id.endsWith('cheap') ? 0.1 : 1);
    const pick = (budget: number, cost = (id: string) => costOf(id) as number | null) =>
      [...(allocateLadders(kinds, budget, cost) ?? [])].map(([k, c]) => [k, c.ladder.experts[0]]);
    expect(pick(0.55)).toEqual([
      ['a', 'a-cheap'],
      ['b', 'b-dear'],
    ]);
    expect(pick(1)).toEqual([
      ['a', 'a-dear'],
      ['b', 'b-dear'],
    ]);
    expect(pick(0.05)).toEqual([]); // not even the cheapest mix fits
    // A tight budget takes the best ladder that fits even when it lies under the frontier's convex hull.
    const underHull = [{ kind: 'c', share: 1, ladders: [ladder('c-cheap', 0.5, 0.1), ladder('c-mid', 0.6, 0.5), ladder('c-dear', 0.9, 1)] }];
    const costs: Record<string, number> = { 'c-cheap': 0.1, 'c-mid': 0.5, 'c-dear': 1 };
    expect(allocateLadders(underHull, 0.6, (id) => costs[id]!)?.get('c')?.ladder.experts).toEqual(['c-mid']);
    expect(pick(1, (id) => (id === 'b-dear' ? null : costOf(id)))).toEqual([
      ['a', 'a-dear'],
      ['b', 'b-cheap'],
    ]);
  });

  it('sends an open-ended prompt to one expert', () => {
    const policy: RoutingPolicy = { name: 'a', strategy: 'agreement', aggregate: 'vote', cost_budget: 1 };
    const single = policyForPrompt(policy, 'Write a haiku about autumn').policy;
    expect(single).toMatchObject({ strategy: 'learned', aggregate: 'first', k: 1 });
    expect(single.cost_budget).toBeUndefined();
  });

  it('replaces a cascade only by a ladder more accurate within the budget, a cost within noise of it counting as within', () => {
    const cascade = { accuracy: 0.71, cost: 0.353, costError: 0.005 };
    expect(prefersLadder(cascade, { accuracy: 0.66, cost: 0.07, costError: 0.001 }, 0.35)).toBe(false);
    expect(prefersLadder({ ...cascade, cost: 0.5 }, { accuracy: 0.66, cost: 0.07, costError: 0.001 }, 0.35)).toBe(true);
    expect(prefersLadder(cascade, { accuracy: 0.72, cost: 0.34, costError: 0.005 }, 0.35)).toBe(true);
  });
});
