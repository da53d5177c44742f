import { z } from 'zod';
import type { AggregationResult, CallOptions, CallRole, ChatMessage, ExpertAnswer, ExpertCaller, ExpertStream, Usage } from '../types';

// The calls an aggregator makes itself (synthesizer, judge, refinement rounds). The gateway's
// caller records them in the routing history; they are also listed in the result's
// `detail.calls` so the response's usage and cost can be summed without that history.

/** As listed in `detail.calls`: snake_case like the rest of the response's JSON. */
export interface AggregatorCall {
  expert: string;
  role: CallRole;
  stage: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  latency_ms: number;
}

/** Wraps a caller so every successful call is appended to `log`. */
export function loggingCaller(caller: ExpertCaller, log: AggregatorCall[]): ExpertCaller {
  const record = (a: ExpertAnswer, opts: CallOptions): ExpertAnswer => {
    log.push({
      expert: a.expertId,
      role: opts.role,
      stage: opts.stage,
      prompt_tokens: a.usage.promptTokens,
      completion_tokens: a.usage.completionTokens,
      cost_usd: a.costUsd,
      latency_ms: a.latencyMs,
    });
    return a;
  };
  return {
    complete: async (expertId: string, messages: ChatMessage[], opts: CallOptions) => record(await caller.complete(expertId, messages, opts), opts),
    stream(expertId: string, messages: ChatMessage[], opts: CallOptions): ExpertStream {
      const s = caller.stream(expertId, messages, opts);
      return { deltas: s.deltas, done: s.done.then((a) => record(a, opts)) };
    },
  };
}

const aggregatorCallSchema = z.object({
  expert: z.string(),
  role: z.enum(['expert', 'aggregator', 'judge', 'extractor']),
  stage: z.number(),
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  cost_usd: z.number(),
  latency_ms: z.number(),
});

/** The aggregator's own calls listed in a result (none for votes and `first`). */
export function aggregatorCalls(result: AggregationResult): AggregatorCall[] {
  const parsed = z.array(aggregatorCallSchema).safeParse(result.detail?.['calls']);
  return parsed.success ? parsed.data : [];
}

export interface CostSummary {
  usage: Usage;
  costUsd: number;
  /** The routed experts' share (their answers). */
  expertsCostUsd: number;
  /** The aggregator's own calls' share (synthesizer, judge, refinement rounds). */
  aggregationCostUsd: number;
}

/** Usage and cost of a routed request: the experts' answers plus the aggregator's own calls. */
export function summariseCost(answers: readonly ExpertAnswer[], aggregation: AggregationResult): CostSummary {
  const calls: { usage: Usage; costUsd: number }[] = [
    ...answers,
    ...aggregatorCalls(aggregation).map((c) => ({ usage: { promptTokens: c.prompt_tokens, completionTokens: c.completion_tokens }, costUsd: c.cost_usd })),
  ];
  const expertsCostUsd = answers.reduce((s, a) => s + a.costUsd, 0);
  const costUsd = calls.reduce((s, c) => s + c.costUsd, 0);
  return {
    usage: {
      promptTokens: calls.reduce((s, c) => s + c.usage.promptTokens, 0),
      completionTokens: calls.reduce((s, c) => s + c.usage.completionTokens, 0),
    },
    costUsd,
    expertsCostUsd,
    aggregationCostUsd: costUsd - expertsCostUsd,
  };
}
