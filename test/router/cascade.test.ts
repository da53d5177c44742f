import { beforeAll, describe, expect, it } from 'vitest';
import { buildAggregators } from '../../router/aggregate/index';
import type { Aggregator, ForecastInput } from '../../router/aggregate/types';
import type { ArtifactSet } from '../../router/artifacts';
import { choicePosterior, choiceProbability, EFFECTIVE_OPTIONS } from '../../router/cascade/posterior';
import { createCascadeStrategy, stagesOf } from '../../router/cascade/strategy';
import { ANSWER_CONFIDENCE_ARTIFACT, AnswerConfidence } from '../../router/cascade/answer-confidence';
import type { RoutingDecision } from '../../router/types';
import { artifactSet, devSlice, replayExperts, trainSmall, answered as answer } from './fixtures';

describe('choice posterior', () => {
  it('equals the confidence of a lone answer', () => {
    expect(choicePosterior([{ choice: 'A', p: 0.66 }]).p).toBeCloseTo(0.66, 9);
  });
  it('grows when experts agree and shrinks when they disagree', () => {
    const agree = choicePosterior([
      { choice: 'A', p: 0.65 },
      { choice: 'A', p: 0.65 },
    ]);
    const disagree = choicePosterior([
      { choice: 'A', p: 0.7 },
      { choice: 'B', p: 0.65 },
    ]);
    expect(agree).toEqual({ choice: 'A', p: expect.any(Number) });
    expect(agree.p).toBeGreaterThan(0.9);
    expect(disagree.choice).toBe('A');
    expect(disagree.p).toBeLessThan(0.6);
  });
  it('knows nothing without a choice', () => {
    expect(choicePosterior([{ choice: null, p: 0.9 }])).toEqual({ choice: null, p: 0.1 });
  });
  it('gives every choice its probability, the most likely one the posterior', () => {
    const votes = [
      { choice: 'A', p: 0.7 },
      { choice: 'B', p: 0.6 },
      { choice: 'A', p: 0.5 },
    ];
    expect(choiceProbability(votes, 'A')).toBeCloseTo(choicePosterior(votes).p, 9);
    expect(choiceProbability(votes, 'B')).toBeLessThan(choiceProbability(votes, 'A'));
    const named = choiceProbability(votes, 'A') + choiceProbability(votes, 'B');
    // The 8 options nobody named share the rest equally.
    expect(choiceProbability(votes, 'J') * 8 + named).toBeCloseTo(1, 9);
    expect(choiceProbability(votes, null)).toBe(0);
  });
  it('with few effective options, agreement is less conclusive but a lone answer keeps its confidence', () => {
    const agree = [
      { choice: 'A', p: 0.65 },
      { choice: 'A', p: 0.65 },
    ];
    expect(choiceProbability(agree, 'A', EFFECTIVE_OPTIONS)).toBeLessThan(choiceProbability(agree, 'A'));
    expect(choiceProbability(agree, 'A', EFFECTIVE_OPTIONS)).toBeGreaterThan(0.8);
    expect(choiceProbability([{ choice: 'A', p: 0.65 }], 'A', EFFECTIVE_OPTIONS)).toBeCloseTo(0.65, 9);
  });
});

describe('cascade stages', () => {
  it('calls the first quorum rungs together, then one rung per stage', () => {
    expect(stagesOf(['a', 'b', 'c', 'd'], 3)).toEqual([['a', 'b', 'c'], ['d']]);
    expect(stagesOf(['a', 'b', 'c'], 1)).toEqual([['a'], ['b'], ['c']]);
    expect(stagesOf(['a', 'b'], 5)).toEqual([['a', 'b']]);
  });
});

describe('cascade strategy', () => {
  const experts = replayExperts();
  let artifacts: ArtifactSet;
  beforeAll(() => {
    artifacts = artifactSet(trainSmall(devSlice(0, 1200)));
  });
  const x = devSlice(1250, 1251)[0]!;
  const decide = (lambda: number): RoutingDecision =>
    createCascadeStrategy(artifacts).decide({ prompt: x.prompt, messages: [] }, experts, {
      name: 't',
      strategy: 'cascade',
      aggregate: 'first',
      lambda,
      k: 3,
    }) as RoutingDecision;

  it('plans a ladder from a cheap expert to the strongest, one expert per stage', () => {
    const d = decide(0.05);
    expect(d.stages).toHaveLength(3);
    const price = (id: string) => experts.find((e) => e.id === id)!.outputPricePerMTok;
    const [first, , last] = d.stages.map((s) => s[0]!.expertId);
    expect(price(first!)).toBeLessThan(price(last!));
    expect(new Set(d.stages.map((s) => s[0]!.expertId)).size).toBe(3);
  });

  it('escalates on disagreement, not on confident agreement', () => {
    const d = decide(0.05);
    const [a, b] = d.stages.map((s) => s[0]!.expertId);
    expect(d.escalate!([answer(a!, 'The answer is (C).'), answer(b!, 'The answer is (F).')], 1)).toBe(true);
    expect(d.escalate!([answer(a!, 'The answer is (C).'), answer(b!, 'The answer is (C).')], 1)).toBe(false);
    expect(d.escalate!([answer(a!, 'I cannot tell.')], 0)).toBe(true);
  });

  it('never escalates past the last stage and escalates less as lambda grows', () => {
    const cheap = decide(5);
    const [a] = cheap.stages.map((s) => s[0]!.expertId);
    expect(cheap.escalate!([answer(a!, 'The answer is (C).')], 0)).toBe(false);
    expect(decide(0.05).escalate!([answer(a!, 'x')], 2)).toBe(false);
  });

  it('waits for the quorum in its first stage, then stops on agreement and escalates on a split', () => {
    const d = createCascadeStrategy(artifacts).decide({ prompt: x.prompt, messages: [] }, experts, {
      name: 't',
      strategy: 'cascade',
      aggregate: 'weighted-vote',
      lambda: 0.05,
      k: 4,
      quorum: 3,
    }) as RoutingDecision;
    expect(d.stages.map((s) => s.length)).toEqual([3, 1]);
    const first = d.stages[0]!.map((c) => c.expertId);
    expect(
      d.escalate!(
        first.map((id) => answer(id, 'The answer is (C).')),
        0,
      ),
    ).toBe(false);
    expect(
      d.escalate!(
        first.map((id, i) => answer(id, `The answer is (${'CFH'[i]}).`)),
        0,
      ),
    ).toBe(true);
  });

  it('stops or escalates on the forecast of the policy’s aggregator, whatever it is', () => {
    const judging = { name: 't', strategy: 'cascade', aggregate: 'judge', lambda: 0.05, k: 3 } as const;
    const withForecast = (forecast: Aggregator['forecast']): RoutingDecision => {
      const registry = buildAggregators({ artifacts });
      registry.set('judge', { ...registry.get('judge')!, forecast });
      return createCascadeStrategy(artifacts, registry).decide({ prompt: x.prompt, messages: [] }, experts, judging) as RoutingDecision;
    };
    const judged = createCascadeStrategy(artifacts).decide({ prompt: x.prompt, messages: [] }, experts, judging) as RoutingDecision;
    const [a, b, c] = judged.stages.map((s) => s[0]!.expertId);
    const split = [answer(a!, 'The answer is (C).'), answer(b!, 'The answer is (F).')];
    const agree = [answer(a!, 'The answer is (C).'), answer(b!, 'The answer is (C).')];
    // A judge cannot be foreseen: the most likely choice is scored, so agreement stops and a split climbs.
    expect(judged.escalate!(split, 1)).toBe(true);
    expect(judged.escalate!(agree, 1)).toBe(false);
    // An aggregator sure of its answer stops even on a split; one that foresees no answer climbs even on agreement.
    expect(withForecast(() => ({ answer: 'F', winner: b!, p: 0.99 })).escalate!(split, 1)).toBe(false);
    expect(withForecast(() => ({ answer: null, winner: null })).escalate!(agree, 1)).toBe(true);
    // Settled: the experts ahead could not change what it returns.
    expect(withForecast(() => ({ answer: 'C', winner: a!, settled: true })).escalate!(split, 1)).toBe(false);
    // It is asked about the answers so far, read as the prompt says, and the experts still ahead.
    const asked: ForecastInput[] = [];
    withForecast((input) => {
      asked.push(input);
      return null;
    }).escalate!(split, 1);
    expect(asked[0]).toMatchObject({
      prompt: x.prompt,
      ballots: [
        { expertId: a, choice: 'C' },
        { expertId: b, choice: 'F' },
      ],
      ahead: [c],
    });
  });

  it('scores answers by their text: committing to a letter beats giving up', () => {
    const conf = AnswerConfidence.fromArtifact(artifacts.get(ANSWER_CONFIDENCE_ARTIFACT)!.data);
    const id = 'gemini-1.5-flash-002';
    expect(conf.combined(id, 'The answer is (B).', true, 0.6)).toBeGreaterThan(conf.combined(id, 'I am not sure, none of the options seem right.', false, 0.6));
  });
});
