import { stackAnswersOf } from '../stacker/vote';
import type { AggregationResult, ExpertAnswer, RoutingDecision } from '../types';
import { startAggregation } from './run';
import { countVotes } from './tally';
import type { Aggregator, Forecast, ForecastInput } from './types';
import { expertWeights } from './weights';

export type VoteKind = 'vote' | 'weighted-vote';

/**
 * What a vote returns on these ballots: the majority by summed weight (`weighted-vote` weighs each
 * ballot by `weights`, `vote` counts each once), ties as countVotes breaks them. With `ahead`, it
 * is settled when those experts, all backing the closest rival, could not outweigh the leader.
 */
export function forecastVote(kind: VoteKind, input: ForecastInput): Forecast {
  const weight = (expertId: string) => (kind === 'weighted-vote' ? (input.weights?.get(expertId) ?? 1) : 1);
  const outcome = countVotes(
    input.ballots.map((b) => ({ expertId: b.expertId, answer: b.choice, weight: weight(b.expertId) })),
    input.competence,
  );
  const forecast: Forecast = { answer: outcome.answer, winner: outcome.winner, tally: outcome.tally };
  if (!input.ahead) return forecast;
  const [leader = 0, rival = 0] = Object.values(outcome.tally).sort((a, b) => b - a);
  const reserve = input.ahead.reduce((s, id) => s + weight(id), 0);
  return { ...forecast, settled: rival + reserve < leader };
}

/**
 * The forecast input of live answers: each read as its prompt says (router/answers), weighted by
 * the router's confidence in its expert (weights.ts), which also breaks ties.
 */
export function liveForecastInput(
  prompt: string,
  answers: readonly ExpertAnswer[],
  decision: RoutingDecision,
): ForecastInput & { weights: ReadonlyMap<string, number> } {
  const weights = expertWeights(
    decision,
    answers.map((a) => a.expertId),
  );
  return { prompt, ballots: stackAnswersOf(prompt, answers), weights, competence: weights };
}

/**
 * Majority over the final answers extracted from each expert's text; `weighted-vote` weighs each
 * vote by the router's confidence in that expert (weights.ts). Ties go to the answer backed by the
 * most trusted expert, then to the earliest. The response is the winner's own full answer.
 */
export function voteOnAnswers(kind: VoteKind, answers: readonly ExpertAnswer[], decision: RoutingDecision, prompt: string): AggregationResult {
  const input = liveForecastInput(prompt, answers, decision);
  return voteResult(kind, forecastVote(kind, input), answers, input);
}

/** The result of a vote from its forecast: the winner's full text (the most trusted expert's when nobody stated an answer). */
export function voteResult(
  kind: VoteKind,
  forecast: Forecast,
  answers: readonly ExpertAnswer[],
  input: ForecastInput & { weights: ReadonlyMap<string, number> },
): AggregationResult {
  const { weights } = input;
  const winner = forecast.winner ?? mostTrusted(answers, weights);
  const detail = {
    answer: forecast.answer,
    votes: Object.fromEntries(input.ballots.map((b) => [b.expertId, b.choice])),
    ...(kind === 'weighted-vote' ? { weights: Object.fromEntries(weights) } : {}),
    ...(forecast.winner === null ? { noAnswerExtracted: true } : {}),
  };
  const text = answers.find((a) => a.expertId === winner)!.text;
  return { aggregation: kind, text, winner, tally: forecast.tally ?? {}, detail };
}

function mostTrusted(answers: readonly ExpertAnswer[], weights: ReadonlyMap<string, number>): string {
  return answers.reduce((best, a) => (weights.get(a.expertId)! > weights.get(best.expertId)! ? a : best)).expertId;
}

/** The winner is only known once every answer is in, so its text is pushed in one piece. */
export function voteAggregator(kind: VoteKind): Aggregator {
  return {
    name: kind,
    forecast: (input) => forecastVote(kind, input),
    run: (ctx) =>
      startAggregation(async (push) => {
        const result = voteOnAnswers(kind, ctx.answers, ctx.decision, ctx.request.prompt);
        push(result.text);
        return result;
      }),
  };
}
