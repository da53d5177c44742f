import type { z } from 'zod';
import type { RouteOutcome } from '../../router/pipeline';
import type { RoutingPolicy } from '../../router/policy';
import type { RoutingDecision, Usage } from '../../router/types';
import type { CallRecord } from '../history/record';
import type { routingSummarySchema } from './response-schemas';

/** The `routing` object of a response: what was decided, called, and what it cost. */
export type RoutingSummary = z.infer<typeof routingSummarySchema>;

export function totalUsage(calls: readonly CallRecord[]): Usage {
  return calls.reduce((u, c) => ({ promptTokens: u.promptTokens + c.usage.promptTokens, completionTokens: u.completionTokens + c.usage.completionTokens }), {
    promptTokens: 0,
    completionTokens: 0,
  });
}

export function totalCost(calls: readonly CallRecord[]): number {
  return calls.reduce((sum, c) => sum + c.costUsd, 0);
}

export function summarise(args: {
  routeId: string;
  policy: RoutingPolicy;
  decision: RoutingDecision;
  calls: readonly CallRecord[];
  outcome: RouteOutcome | null;
  latencyMs: number;
  ttftMs: number | null;
}): RoutingSummary {
  const { decision, calls, outcome } = args;
  const overBudget = new Set(outcome?.overBudget ?? []);
  const chosen = decision.stages.flat();
  const experts = chosen.map((cand) => {
    const call = calls.find((c) => c.expertId === cand.expertId && c.role === 'expert');
    return {
      id: cand.expertId,
      score: cand.score,
      ...(cand.detail ? { detail: cand.detail } : {}),
      status: call?.status ?? (overBudget.has(cand.expertId) ? 'over_budget' : 'not_called'),
      latency_ms: call ? round(call.latencyMs) : null,
      prompt_tokens: call?.usage.promptTokens ?? 0,
      completion_tokens: call?.usage.completionTokens ?? 0,
      cost_usd: call?.costUsd ?? 0,
      ...(call?.error ? { error: call.error.message } : {}),
    };
  });
  const agg = outcome?.aggregation;
  return {
    route_id: args.routeId,
    policy: args.policy.name,
    strategy: decision.strategy,
    aggregation: agg?.aggregation ?? args.policy.aggregate,
    experts,
    calls: calls.map((c) => ({
      expert: c.expertId,
      role: c.role,
      stage: c.stage,
      status: c.status,
      latency_ms: round(c.latencyMs),
      prompt_tokens: c.usage.promptTokens,
      completion_tokens: c.usage.completionTokens,
      cost_usd: c.costUsd,
      ...(c.finishReason ? { finish_reason: c.finishReason } : {}),
      ...(c.droppedParams ? { dropped_params: c.droppedParams } : {}),
      ...(c.error ? { error: c.error.message, error_source: c.error.source } : {}),
    })),
    ...(agg?.winner ? { winner: agg.winner } : {}),
    ...(agg?.tally ? { tally: agg.tally } : {}),
    ...(agg?.detail ? { aggregation_detail: agg.detail } : {}),
    total_cost_usd: totalCost(calls),
    latency_ms: round(args.latencyMs),
    gateway_ms: round(Math.max(0, args.latencyMs - expertWallMs(calls))),
    ...(args.ttftMs !== null ? { ttft_ms: round(args.ttftMs) } : {}),
  };
}

/** Wall time with at least one expert call in flight (calls overlap when parallel or hedged). */
export function expertWallMs(calls: readonly CallRecord[]): number {
  const spans = calls.map((c) => [c.startedAt, c.startedAt + c.latencyMs] as const).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [from, to] of spans) {
    if (to <= end) continue;
    total += to - Math.max(from, end);
    end = to;
  }
  return total;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
