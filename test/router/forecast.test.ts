import { answered as said } from './fixtures';
import { describe, expect, it } from 'vitest';
import { buildAggregators } from '../../router/aggregate/index';
import type { AggregationContext, ForecastBallot, ForecastInput } from '../../router/aggregate/types';
import { liveForecastInput } from '../../router/aggregate/vote';
import type { ExpertAnswer, RoutingDecision } from '../../router/types';

// Each aggregator's forecast: what it would return now, without calling anyone. The cascade's
// stopping rule and the offline evaluation read it, so it must be what `run` returns.

const QUESTION = 'Which one?\nOptions:\nA. one\nB. two\nC. three\nD. four\nE. five\nAnswer with the letter of the correct option.';
const aggregators = buildAggregators();
const forecastOf = (name: string) => (input: ForecastInput) => aggregators.get(name)!.forecast(input);
const ballot = (expertId: string, choice: string | null): ForecastBallot => ({ expertId, choice, text: '' });

describe('vote forecasts', () => {
  const vote = forecastOf('vote');
  const weighted = forecastOf('weighted-vote');

  it('is the majority, returned in the words of its first supporter', () => {
    const ballots = [ballot('a', 'B'), ballot('b', 'C'), ballot('c', 'C'), ballot('d', null)];
    expect(vote({ prompt: QUESTION, ballots })).toEqual({ answer: 'C', winner: 'b', tally: { B: 1, C: 2 } });
  });

  it('breaks a tie by competence, then by order', () => {
    const ballots = [ballot('weak', 'A'), ballot('strong', 'B')];
    const competence = new Map([
      ['weak', 0.3],
      ['strong', 0.7],
    ]);
    expect(vote({ prompt: QUESTION, ballots, competence })).toMatchObject({ answer: 'B', winner: 'strong' });
    expect(vote({ prompt: QUESTION, ballots })).toMatchObject({ answer: 'A', winner: 'weak' });
  });

  it('lets weights outvote a plain majority in weighted-vote, and ignores them in vote', () => {
    const ballots = [ballot('a', 'A'), ballot('b', 'A'), ballot('c', 'E')];
    const weights = new Map([
      ['a', 0.2],
      ['b', 0.2],
      ['c', 0.9],
    ]);
    expect(weighted({ prompt: QUESTION, ballots, weights })).toMatchObject({ answer: 'E', winner: 'c' });
    expect(vote({ prompt: QUESTION, ballots, weights })).toMatchObject({ answer: 'A', winner: 'a' });
  });

  it('foresees no answer when nobody stated one', () => {
    expect(vote({ prompt: QUESTION, ballots: [ballot('a', null)] })).toEqual({ answer: null, winner: null, tally: {} });
  });

  it('is settled when the experts ahead cannot overturn it, whatever they answer', () => {
    const pair = [ballot('cheap-a', 'B'), ballot('cheap-b', 'B')];
    const weights = new Map([
      ['cheap-a', 2.8],
      ['cheap-b', 2.8],
      ['strong', 3.1],
      ['other', 2.9],
    ]);
    const settled = (f: typeof vote, ballots: ForecastBallot[], ahead: string[]) => f({ prompt: QUESTION, ballots, weights, ahead })!.settled;
    // Two agreeing cheap experts outweigh the strongest alone, not the strongest and another together.
    expect(settled(weighted, pair, ['strong'])).toBe(true);
    expect(settled(weighted, pair, ['strong', 'other'])).toBe(false);
    expect(settled(vote, pair, ['strong'])).toBe(true);
    expect(settled(vote, pair, ['strong', 'other'])).toBe(false);
    // A split can always be decided by the next answer.
    expect(settled(weighted, [pair[0]!, ballot('strong', 'C')], ['other'])).toBe(false);
    // Without `ahead` nothing is said about it.
    expect(vote({ prompt: QUESTION, ballots: pair })!.settled).toBeUndefined();
  });
});

describe('other forecasts', () => {
  it('`first` foresees the last answer so far, never settled: the next stage replaces it', () => {
    const first = forecastOf('first');
    expect(first({ prompt: QUESTION, ballots: [ballot('a', 'B'), ballot('b', null)], ahead: ['c'] })).toEqual({ answer: null, winner: 'b' });
    expect(first({ prompt: QUESTION, ballots: [ballot('a', 'B')] })).toEqual({ answer: 'B', winner: 'a' });
  });

  it.each(['synthesize', 'judge', 'layers'])('%s cannot be foreseen', (name) => {
    expect(forecastOf(name)({ prompt: QUESTION, ballots: [ballot('a', 'B'), ballot('b', 'B')] })).toBeNull();
  });

  it('the stacked vote refines the weighted vote, and counts as it without a fitted stacker', () => {
    const stacked = aggregators.get('stacked-vote')!;
    expect(stacked.refines).toBe('weighted-vote');
    const input = { prompt: QUESTION, ballots: [ballot('a', 'A'), ballot('c', 'E')], weights: new Map([['c', 2]]) };
    expect(stacked.forecast(input)).toEqual(forecastOf('weighted-vote')(input));
  });
});

describe('run and forecast agree', () => {
  const answers = [said('cheap-a', 'The answer is (B).'), said('cheap-b', 'Answer: B'), said('strong', 'So the answer is (C).'), said('vague', 'Hard to say.')];
  const decision: RoutingDecision = {
    strategy: 'fixed',
    ranked: [
      { expertId: 'strong', score: 1, detail: { weight: 3 } },
      { expertId: 'cheap-a', score: 0, detail: { weight: 1 } },
      { expertId: 'cheap-b', score: 0, detail: { weight: 1 } },
      { expertId: 'vague', score: 0, detail: { weight: 1 } },
    ],
    stages: [],
  };
  const ctx = (names: readonly ExpertAnswer[]): AggregationContext => ({
    request: { prompt: QUESTION, messages: [{ role: 'user', content: QUESTION }] },
    policy: { name: 't', strategy: 'fixed', aggregate: 'vote' },
    decision,
    answers: [...names],
    experts: [],
    caller: {
      complete: () => Promise.reject(new Error('a vote calls no one')),
      stream: () => {
        throw new Error('a vote calls no one');
      },
    },
  });

  it.each([
    ['vote', 'B', 'cheap-a'],
    ['weighted-vote', 'C', 'strong'],
    ['stacked-vote', 'C', 'strong'],
    ['first', null, 'vague'],
  ])('%s returns what it forecast (%s from %s)', async (name, answer, winner) => {
    const aggregator = aggregators.get(name)!;
    const forecast = aggregator.forecast(liveForecastInput(QUESTION, answers, decision));
    expect(forecast).toMatchObject({ answer, winner });
    const result = await aggregator.run(ctx(answers)).result;
    expect(result.winner).toBe(forecast!.winner);
    expect(result.text).toBe(answers.find((a) => a.expertId === winner)!.text);
  });

  it('a vote nobody stated an answer in returns the most trusted reply', async () => {
    const none = [said('cheap-a', 'Hmm.'), said('strong', 'No idea.')];
    expect(aggregators.get('vote')!.forecast(liveForecastInput(QUESTION, none, decision))).toMatchObject({ answer: null, winner: null });
    expect((await aggregators.get('vote')!.run(ctx(none)).result).winner).toBe('strong');
  });
});
