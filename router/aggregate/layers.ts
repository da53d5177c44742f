import { errorMessage } from '../errors';
import type { ExpertAnswer } from '../types';
import { loggingCaller, type AggregatorCall } from './calls';
import { chooseAggregator } from './choose';
import { extractAnswer } from '../answers/extract';
import { readingForPrompt } from '../answers/prompt-kind';
import { aggregatorMessages, SYNTHESIS_PROMPT } from './prompts';
import { startAggregation } from './run';
import { synthesizeOrVote } from './synthesize';
import type { SynthesisSkillRanking } from './synthesis-skill';
import type { Aggregator } from './types';

/** Refinement rounds after the experts' first answers when the policy sets no `rounds`. */
export const DEFAULT_ROUNDS = 1;

interface RoundRecord {
  round: number;
  /** Each expert's extracted final answer that round (null: none stated). */
  answers: Record<string, string | null>;
  failures: { expert: string; error: string }[];
}

/**
 * Mixture-of-Agents layers. The pipeline's expert answers are round 0; in each of `rounds`
 * refinement rounds the same experts answer again seeing the previous round's answers (MoA
 * prompt), then the aggregator synthesizes the last round, streaming. Stages count on from the
 * last routing stage: round r is stage last+r, the final synthesis last+rounds+1 (for an ordinary
 * one-stage decision, stage = round). A round with fewer answers than the quorum is discarded and
 * ends the refinement, so the synthesis works from the last complete round.
 */
export function layersAggregator(ranking: SynthesisSkillRanking | null): Aggregator {
  return {
    name: 'layers',
    // Cannot be foreseen: refinement rounds write new answers.
    forecast: () => null,
    run: (ctx) =>
      startAggregation(async (push) => {
        const calls: AggregatorCall[] = [];
        const caller = loggingCaller(ctx.caller, calls);
        const signal = ctx.signal ? { signal: ctx.signal } : {};
        const rounds = ctx.policy.rounds ?? DEFAULT_ROUNDS;
        const base = ctx.decision.stages.length - 1;
        const proposers = ctx.answers.map((a) => a.expertId);
        const quorum = Math.min(ctx.policy.quorum ?? 1, proposers.length);
        const history: RoundRecord[] = [{ round: 0, answers: finalAnswers(ctx.answers, ctx.request.prompt), failures: [] }];
        let current = ctx.answers;
        let stoppedAfter: number | null = null;

        for (let round = 1; round <= rounds; round++) {
          const messages = aggregatorMessages(
            SYNTHESIS_PROMPT,
            ctx.request.messages,
            current.map((a) => a.text),
          );
          const start = (c: { expertId: string }) => caller.complete(c.expertId, messages, { role: 'expert', stage: base + round, ...signal });
          const proposing = proposers.map((expertId) => ({ expertId }));
          const settled = await Promise.allSettled(ctx.budget ? ctx.budget.together(proposing, start) : proposing.map(start));
          const next = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
          const failures = settled.flatMap((r, i) => (r.status === 'rejected' ? [{ expert: proposers[i]!, error: errorMessage(r.reason) }] : []));
          history.push({ round, answers: finalAnswers(next, ctx.request.prompt), failures });
          if (next.length < quorum || next.length === 0) {
            stoppedAfter = round - 1;
            break;
          }
          current = next;
        }

        const result = await synthesizeOrVote(
          { caller, messages: ctx.request.messages, ...signal },
          { aggregation: 'layers', candidates: current, decision: ctx.decision, choice: chooseAggregator(ctx, ranking), stage: base + rounds + 1, calls },
          push,
        );
        return { ...result, detail: { ...result.detail, rounds: history, ...(stoppedAfter !== null ? { stopped_after_round: stoppedAfter } : {}) } };
      }),
  };
}

function finalAnswers(answers: readonly ExpertAnswer[], prompt: string): Record<string, string | null> {
  const reading = readingForPrompt(prompt);
  return Object.fromEntries(answers.map((a) => [a.expertId, extractAnswer(a.text, reading)?.value ?? null]));
}
