import type { ArtifactSet } from '../artifacts';
import { StackedVote } from '../stacker/vote';
import type { AggregationResult, ExpertAnswer, RoutingDecision } from '../types';
import { extractChoice } from './extract';
import { startAggregation } from './run';
import type { Aggregator } from './types';
import { voteOnAnswers } from './vote';

/**
 * `stacked-vote`: the vote fitted on recorded outcomes (router/stacker). The winner is the answer
 * that backs the chosen letter most; its full text is the response. Without a fitted stacker (no
 * answer texts in the training data yet) it counts as `weighted-vote`, and says so in its detail.
 */
export function stackedVoteOnAnswers(stacked: StackedVote | null, prompt: string, answers: readonly ExpertAnswer[], decision: RoutingDecision): AggregationResult {
  if (!stacked || answers.every((a) => extractChoice(a.text) === null)) {
    const fallback = voteOnAnswers('weighted-vote', answers, decision);
    return { ...fallback, aggregation: 'stacked-vote', detail: { ...fallback.detail, stacked: false } };
  }
  const promptP = new Map(decision.ranked.flatMap((c) => (typeof c.detail?.['p'] === 'number' ? [[c.expertId, c.detail['p']] as const] : [])));
  const outcome = stacked.decide(
    prompt,
    answers.map((a) => ({ expertId: a.expertId, choice: extractChoice(a.text), text: a.text })),
    (id) => promptP.get(id),
  );
  const winner = outcome.champion!;
  return {
    aggregation: 'stacked-vote',
    text: answers.find((a) => a.expertId === winner)!.text,
    winner,
    tally: outcome.scores,
    detail: { answer: outcome.choice, p: Math.round(outcome.p * 1e4) / 1e4, votes: Object.fromEntries(answers.map((a) => [a.expertId, extractChoice(a.text)])), stacked: true },
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
