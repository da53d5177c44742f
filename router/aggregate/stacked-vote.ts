import type { ArtifactSet } from '../artifacts';
import { promptPOf, stackAnswersOf, StackedVote } from '../stacker/vote';
import type { AggregationResult, ExpertAnswer, RoutingDecision } from '../types';
import { startAggregation } from './run';
import type { Aggregator } from './types';
import { voteOnAnswers } from './vote';

/**
 * `stacked-vote`: the vote fitted on recorded outcomes (router/stacker). The winner is the answer
 * that backs the chosen letter most; its full text is the response. Without a fitted stacker (no
 * answer texts in the training data yet) it counts as `weighted-vote`, and says so in its detail.
 */
export function stackedVoteOnAnswers(
  stacked: StackedVote | null,
  prompt: string,
  answers: readonly ExpertAnswer[],
  decision: RoutingDecision,
): AggregationResult {
  const choices = stackAnswersOf(prompt, answers);
  if (!stacked || choices.every((c) => c.choice === null)) {
    const fallback = voteOnAnswers('weighted-vote', answers, decision, prompt);
    return { ...fallback, aggregation: 'stacked-vote', detail: { ...fallback.detail, stacked: false } };
  }
  const outcome = stacked.decide(prompt, choices, promptPOf(decision.ranked));
  const winner = outcome.champion!;
  return {
    aggregation: 'stacked-vote',
    text: answers.find((a) => a.expertId === winner)!.text,
    winner,
    tally: outcome.scores,
    detail: {
      answer: outcome.choice,
      p: Math.round(outcome.p * 1e4) / 1e4,
      votes: Object.fromEntries(choices.map((c) => [c.expertId, c.choice])),
      stacked: true,
    },
  };
}

export function stackedVoteAggregator(artifacts: ArtifactSet | undefined): Aggregator {
  const stacked = artifacts ? StackedVote.load(artifacts) : null;
  return {
    name: 'stacked-vote',
    run: (ctx) =>
      startAggregation(async (push) => {
        const result = stackedVoteOnAnswers(stacked, ctx.request.prompt, ctx.answers, ctx.decision);
        push(result.text);
        return result;
      }),
  };
}
