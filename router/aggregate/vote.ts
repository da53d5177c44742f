import type { AggregationResult, ExpertAnswer, RoutingDecision } from '../types';
import { extractAnswer } from '../answers/extract';
import { readingForPrompt } from '../answers/prompt-kind';
import { startAggregation } from './run';
import { countVotes } from './tally';
import type { Aggregator } from './types';
import { expertWeights } from './weights';

export type VoteKind = 'vote' | 'weighted-vote';

/**
 * Majority over the final answers extracted from each expert's text; `weighted-vote` weighs each
 * vote by the router's confidence in that expert (weights.ts). Ties go to the answer backed by the
 * most trusted expert, then to the earliest. The response is the winner's own full answer.
 */
export function voteOnAnswers(kind: VoteKind, answers: readonly ExpertAnswer[], decision: RoutingDecision, prompt: string): AggregationResult {
  const weights = expertWeights(
    decision,
    answers.map((a) => a.expertId),
  );
  const reading = readingForPrompt(prompt);
  const extracted = answers.map((a) => extractAnswer(a.text, reading));
  const outcome = countVotes(
    answers.map((a, i) => ({ expertId: a.expertId, answer: extracted[i]?.value ?? null, weight: kind === 'weighted-vote' ? weights.get(a.expertId)! : 1 })),
    weights,
  );
  // Nobody stated an extractable answer: return the most trusted expert's reply rather than nothing.
  const winner = outcome.winner ?? mostTrusted(answers, weights);
  const detail = {
    answer: outcome.answer,
    votes: Object.fromEntries(answers.map((a, i) => [a.expertId, extracted[i]?.value ?? null])),
    ...(kind === 'weighted-vote' ? { weights: Object.fromEntries(weights) } : {}),
    ...(outcome.winner === null ? { noAnswerExtracted: true } : {}),
  };
  const text = answers.find((a) => a.expertId === winner)!.text;
  return { aggregation: kind, text, winner, tally: outcome.tally, detail };
}

function mostTrusted(answers: readonly ExpertAnswer[], weights: ReadonlyMap<string, number>): string {
  return answers.reduce((best, a) => (weights.get(a.expertId)! > weights.get(best.expertId)! ? a : best)).expertId;
}

/** The winner is only known once every answer is in, so its text is pushed in one piece. */
export function voteAggregator(kind: VoteKind): Aggregator {
  return {
    name: kind,
    run: (ctx) =>
      startAggregation(async (push) => {
        const result = voteOnAnswers(kind, ctx.answers, ctx.decision, ctx.request.prompt);
        push(result.text);
        return result;
      }),
  };
}
