import { errorMessage } from '../errors';
import type { ChatMessage, ExpertAnswer, ExpertCaller } from '../types';
import { loggingCaller, type AggregatorCall } from './calls';
import { chooseAggregator } from './choose';
import { aggregatorMessages, JUDGE_PROMPT } from './prompts';
import { startAggregation } from './run';
import type { SynthesisSkillRanking } from './synthesis-skill';
import type { Aggregator } from './types';
import { voteOnAnswers } from './vote';

/**
 * Candidate indices (0-based) best first, from the judge's last "Ranking: 2 > 1 > 3" line.
 * Candidates the judge left out follow in their original order; null when there is no usable line.
 */
export function parseRanking(verdict: string, candidates: number): number[] | null {
  const lines = [...verdict.matchAll(/ranking\s*:\**\s*([^\n]*)/gi)];
  const line = lines[lines.length - 1]?.[1];
  if (!line) return null;
  const ranked: number[] = [];
  for (const m of line.matchAll(/\d+/g)) {
    const i = Number(m[0]) - 1;
    if (i >= 0 && i < candidates && !ranked.includes(i)) ranked.push(i);
  }
  if (ranked.length === 0) return null;
  for (let i = 0; i < candidates; i++) if (!ranked.includes(i)) ranked.push(i);
  return ranked;
}

export interface JudgeCall {
  caller: ExpertCaller;
  judgeId: string;
  messages: readonly ChatMessage[];
  candidates: readonly ExpertAnswer[];
  stage: number;
  signal?: AbortSignal;
}

/** Asks the judge to rank the candidates; the ranking is null when its verdict has none. */
export async function judgeCandidates(call: JudgeCall): Promise<{ verdict: ExpertAnswer; ranking: number[] | null }> {
  const verdict = await call.caller.complete(
    call.judgeId,
    aggregatorMessages(
      JUDGE_PROMPT,
      call.messages,
      call.candidates.map((a) => a.text),
    ),
    {
      role: 'judge',
      stage: call.stage,
      ...(call.signal ? { signal: call.signal } : {}),
    },
  );
  return { verdict, ranking: parseRanking(verdict.text, call.candidates.length) };
}

/**
 * Best-of-n: a judge expert ranks the answers and the best one is returned as it was written.
 * The winner is pushed once the verdict is in. A judge that fails or gives no usable ranking
 * degrades to a plain vote over the same answers (recorded in `detail`); one answer needs no judge.
 */
export function judgeAggregator(ranking: SynthesisSkillRanking | null): Aggregator {
  return {
    name: 'judge',
    // Cannot be foreseen: the verdict is only known once the judge answers.
    forecast: () => null,
    run: (ctx) =>
      startAggregation(async (push) => {
        const calls: AggregatorCall[] = [];
        const choice = chooseAggregator(ctx, ranking);
        const about = { judge: choice.expertId, chosen_by: choice.chosenBy, calls };
        if (ctx.answers.length === 1) {
          const only = ctx.answers[0]!;
          push(only.text);
          return { aggregation: 'judge', text: only.text, winner: only.expertId, detail: { ...about, judge_skipped: 'single answer' } };
        }
        let problem: string;
        try {
          const { ranking: order } = await judgeCandidates({
            caller: loggingCaller(ctx.caller, calls),
            judgeId: choice.expertId,
            messages: ctx.request.messages,
            candidates: ctx.answers,
            stage: ctx.decision.stages.length,
            ...(ctx.signal ? { signal: ctx.signal } : {}),
          });
          if (order) {
            const best = ctx.answers[order[0]!]!;
            push(best.text);
            return { aggregation: 'judge', text: best.text, winner: best.expertId, detail: { ...about, ranking: order.map((i) => ctx.answers[i]!.expertId) } };
          }
          problem = 'the judge gave no ranking';
        } catch (e) {
          problem = errorMessage(e);
        }
        const vote = voteOnAnswers('vote', ctx.answers, ctx.decision, ctx.request.prompt);
        push(vote.text);
        return { ...vote, aggregation: 'judge', detail: { ...vote.detail, ...about, judge_error: problem, degraded_to: 'vote' } };
      }),
  };
}
