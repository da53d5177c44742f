import type { RouteOutcome } from '../../router/pipeline';
import type { StreamDelta, ToolCall } from '../../router/params';
import type { ExpertAnswer, FinishReason, Usage } from '../../router/types';
import type { CallRecord } from '../history/record';

// The OpenAI response shapes: `model` names the expert that answered (the policy stays in
// routing.policy), `finish_reason` and tool calls are what that expert reported.

/** The call whose answer the client gets: the winning expert's, else the aggregator that wrote it. */
export function answeringCall(outcome: RouteOutcome, records: readonly CallRecord[]): CallRecord | undefined {
  const ok = records.filter((r) => r.status === 'ok');
  const winner = outcome.aggregation.winner;
  if (winner) return ok.findLast((r) => r.expertId === winner && r.role === 'expert') ?? ok.findLast((r) => r.expertId === winner);
  return ok.findLast((r) => r.role === 'aggregator') ?? ok.findLast((r) => r.role === 'expert');
}

export function openAiUsage(u: Usage) {
  return { prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens, total_tokens: u.promptTokens + u.completionTokens };
}

interface Choice {
  text: string;
  finishReason: FinishReason;
  toolCalls?: ToolCall[] | undefined;
}

function choiceJson(c: Choice, index: number) {
  return {
    index,
    message: { role: 'assistant', content: c.toolCalls && !c.text ? null : c.text, ...(c.toolCalls ? { tool_calls: c.toolCalls } : {}), refusal: null },
    finish_reason: c.finishReason,
    logprobs: null,
  };
}

/** A whole chat.completion: the aggregated text, and any further choices the one expert returned (n > 1). */
export function completionChoices(outcome: RouteOutcome, answering: CallRecord | undefined) {
  const answer: ExpertAnswer | undefined = outcome.answers.find((a) => a.expertId === answering?.expertId);
  const first: Choice = { text: outcome.aggregation.text, finishReason: answering?.finishReason ?? 'stop', toolCalls: answering?.toolCalls };
  return [first, ...(answer?.moreChoices ?? [])].map(choiceJson);
}

/** The `delta` of a chunk for one piece of the answer. */
export function deltaJson(d: StreamDelta) {
  return typeof d === 'string' ? { content: d } : { tool_calls: d.toolCalls };
}
