import { DEFAULT_ROUNDS } from './aggregate/layers';
import { DEFAULT_EXPECTED_OUTPUT_TOKENS, estimateCostUsd, tokensOf, type Prices } from './cost';
import type { RoutingPolicy } from './policy';
import type { ExpertProfile, RouteRequest, RoutingDecision } from './types';

/** Aggregations that call an expert of their own (synthesizer, judge, refinement rounds). */
const CALLING_AGGREGATIONS = new Set(['synthesize', 'judge', 'layers']);

/**
 * What a planned route is expected to cost at most before any call is made, for reserving it
 * against a key's budget: every planned expert of every stage (within the policy's cost cap), plus
 * the aggregator's own calls, which read all answers. Outputs are assumed `maxTokens` long when the
 * request sets it, else DEFAULT_EXPECTED_OUTPUT_TOKENS. The real cost settles the reservation.
 */
export function estimateRouteCostUsd(req: RouteRequest, policy: RoutingPolicy, decision: RoutingDecision, registry: readonly ExpertProfile[]): number {
  const byId = new Map(registry.map((e) => [e.id, e]));
  const prompt = req.messages.reduce((n, m) => n + tokensOf(m.content), 0);
  const output = req.maxTokens ?? DEFAULT_EXPECTED_OUTPUT_TOKENS;
  const cost = (prices: Prices | undefined, promptTokens: number) => (prices ? estimateCostUsd(prices, promptTokens, output) : 0);
  const planned = decision.stages.flat().map((c) => byId.get(c.expertId));
  const answering = planned.reduce((sum, e) => sum + cost(e, prompt), 0);
  let total = policy.max_cost_usd !== undefined ? Math.min(answering, policy.max_cost_usd) : answering;
  if (CALLING_AGGREGATIONS.has(policy.aggregate)) {
    // Without a named aggregator the dearest eligible expert bounds whichever is chosen.
    const aggregator = policy.aggregator ? byId.get(policy.aggregator) : dearest(decision, byId);
    const withAnswers = prompt + planned.length * output;
    if (policy.aggregate === 'layers') total += (policy.rounds ?? DEFAULT_ROUNDS) * planned.reduce((sum, e) => sum + cost(e, withAnswers), 0);
    total += cost(aggregator, withAnswers);
  }
  return total;
}

function dearest(decision: RoutingDecision, byId: Map<string, ExpertProfile>): ExpertProfile | undefined {
  let best: ExpertProfile | undefined;
  for (const c of decision.ranked) {
    const e = byId.get(c.expertId);
    if (e && (!best || e.inputPricePerMTok + e.outputPricePerMTok > best.inputPricePerMTok + best.outputPricePerMTok)) best = e;
  }
  return best;
}
