import { errorMessage } from '../errors';
import { lastUserContent } from '../messages';
import type { AggregationResult, ChatMessage, ExpertAnswer, ExpertCaller, RoutingDecision } from '../types';
import type { AggregatorCall } from './calls';
import { loggingCaller } from './calls';
import { chooseAggregator, type AggregatorChoice } from './choose';
import { aggregatorMessages, SYNTHESIS_PROMPT } from './prompts';
import { startAggregation } from './run';
import type { SynthesisSkillRanking } from './synthesis-skill';
import type { Aggregator } from './types';
import { voteOnAnswers } from './vote';
import { textOf } from '../params';

export interface SynthesisCall {
  caller: ExpertCaller;
  expertId: string;
  /** The conversation being answered. */
  messages: readonly ChatMessage[];
  /** Answers to synthesize from (trimmed in the prompt). */
  candidates: readonly string[];
  stage: number;
  signal?: AbortSignal;
}

/** Streams one synthesis: deltas go to `push` as they arrive; resolves with the whole answer. */
export async function streamSynthesis(call: SynthesisCall, push: (delta: string) => void): Promise<ExpertAnswer> {
  const s = call.caller.stream(call.expertId, aggregatorMessages(SYNTHESIS_PROMPT, call.messages, call.candidates), {
    role: 'aggregator',
    stage: call.stage,
    ...(call.signal ? { signal: call.signal } : {}),
  });
  // Observed now, so a stream that breaks mid-way does not leave `done` rejecting unhandled.
  s.done.catch(() => undefined);
  let streamed = false;
  for await (const delta of s.deltas) {
    const text = textOf(delta);
    streamed ||= text.length > 0;
    push(text);
  }
  const answer = await s.done;
  // An adapter that delivers the answer only at the end still yields its text.
  if (!streamed) push(answer.text);
  return answer;
}

export interface SynthesisInputs {
  /** The name reported as the result's `aggregation`. */
  aggregation: 'synthesize' | 'layers';
  candidates: readonly ExpertAnswer[];
  decision: RoutingDecision;
  choice: AggregatorChoice;
  stage: number;
  calls: AggregatorCall[];
}

/**
 * Synthesis, or a plain vote over the same candidates when the synthesizer fails before writing
 * anything (a request that has its experts' answers should not fail on the aggregator alone).
 * Once text has streamed a failure cannot be undone and is rethrown.
 */
export async function synthesizeOrVote(
  call: Omit<SynthesisCall, 'candidates' | 'expertId' | 'stage'>,
  inputs: SynthesisInputs,
  push: (delta: string) => void,
): Promise<AggregationResult> {
  const { candidates, choice, calls } = inputs;
  const about = { synthesizer: choice.expertId, chosen_by: choice.chosenBy, inputs: candidates.map((a) => a.expertId) };
  let started = false;
  try {
    const answer = await streamSynthesis({ ...call, expertId: choice.expertId, candidates: candidates.map((a) => a.text), stage: inputs.stage }, (d) => {
      started ||= d.length > 0;
      push(d);
    });
    if (!started && !answer.text.trim()) throw new Error('the synthesizer returned an empty answer');
    return { aggregation: inputs.aggregation, text: answer.text, detail: { ...about, calls } };
  } catch (e) {
    if (started) throw e;
    const vote = voteOnAnswers('vote', candidates, inputs.decision, lastUserContent(call.messages) ?? '');
    push(vote.text);
    return { ...vote, aggregation: inputs.aggregation, detail: { ...vote.detail, ...about, synthesis_error: errorMessage(e), degraded_to: 'vote', calls } };
  }
}

/** Mixture-of-Agents aggregation: one aggregator expert writes the answer from all answers; its tokens stream through. */
export function synthesizeAggregator(ranking: SynthesisSkillRanking | null): Aggregator {
  return {
    name: 'synthesize',
    // Cannot be foreseen: a synthesis is new text, only known once written.
    forecast: () => null,
    run: (ctx) =>
      startAggregation((push) => {
        const calls: AggregatorCall[] = [];
        return synthesizeOrVote(
          { caller: loggingCaller(ctx.caller, calls), messages: ctx.request.messages, ...(ctx.signal ? { signal: ctx.signal } : {}) },
          // After the experts' stages: the aggregator's call is the request's last stage.
          {
            aggregation: 'synthesize',
            candidates: ctx.answers,
            decision: ctx.decision,
            choice: chooseAggregator(ctx, ranking),
            stage: ctx.decision.stages.length,
            calls,
          },
          push,
        );
      }),
  };
}
