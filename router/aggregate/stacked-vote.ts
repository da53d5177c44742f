import { promptPOf, type StackedVote } from '../stacker/vote';
import type { AggregationResult, ExpertAnswer, RoutingDecision } from '../types';
import { startAggregation } from './run';
import type { Aggregator, Forecast, ForecastInput } from './types';
import { forecastVote, liveForecastInput, voteResult } from './vote';

/**
 * What the stacked vote returns on these ballots: the fitted stacker's choice (router/stacker) and
 * its P(right), the answer backing it most as the winner. Without a fitted stacker, or when no
 * ballot names an answer, it counts as the weighted vote it refines.
 */
export function forecastStacked(stacked: StackedVote | null, input: ForecastInput): Forecast {
  if (!stacks(stacked, input)) return forecastVote('weighted-vote', input);
  const outcome = stacked.decide(input.prompt, input.ballots, input.promptP);
  return { answer: outcome.choice, winner: outcome.champion, tally: outcome.scores, p: outcome.p };
}

function stacks(stacked: StackedVote | null, input: ForecastInput): stacked is StackedVote {
  return stacked !== null && input.ballots.some((b) => b.choice !== null);
}

/**
 * `stacked-vote`: the vote fitted on recorded outcomes. The winner's full text is the response;
 * when it counts as `weighted-vote` (no fitted stacker yet: no answer texts in the training data),
 * its detail says so.
 */
export function stackedVoteOnAnswers(
  stacked: StackedVote | null,
  prompt: string,
  answers: readonly ExpertAnswer[],
  decision: RoutingDecision,
): AggregationResult {
  const input = { ...liveForecastInput(prompt, answers, decision), promptP: promptPOf(decision.ranked) };
  const forecast = forecastStacked(stacked, input);
  if (!stacks(stacked, input)) {
    const fallback = voteResult('weighted-vote', forecast, answers, input);
    return { ...fallback, aggregation: 'stacked-vote', detail: { ...fallback.detail, stacked: false } };
  }
  const winner = forecast.winner!;
  return {
    aggregation: 'stacked-vote',
    text: answers.find((a) => a.expertId === winner)!.text,
    winner,
    tally: forecast.tally ?? {},
    detail: {
      answer: forecast.answer,
      p: Math.round(forecast.p! * 1e4) / 1e4,
      votes: Object.fromEntries(input.ballots.map((b) => [b.expertId, b.choice])),
      stacked: true,
    },
  };
}

/** Over the stacker fitted from the artifacts, or the one the offline evaluation fits per fold. */
export function stackedVoteAggregator(stacked: StackedVote | null): Aggregator {
  return {
    name: 'stacked-vote',
    refines: 'weighted-vote',
    forecast: (input) => forecastStacked(stacked, input),
    run: (ctx) =>
      startAggregation(async (push) => {
        const result = stackedVoteOnAnswers(stacked, ctx.request.prompt, ctx.answers, ctx.decision);
        push(result.text);
        return result;
      }),
  };
}
