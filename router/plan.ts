import { DEFAULT_ROUNDS } from './aggregate/layers';
import { RouteBudget } from './budget';
import { DEFAULT_EXPECTED_OUTPUT_TOKENS, estimateCostUsd, tokensOf, type Prices } from './cost';
import type { RoutingPolicy } from './policy';
import type { Candidate, ExpertProfile, RouteRequest, RoutingDecision } from './types';

// The pure half of a route: from the strategy's decision, which calls fit the policy's cost cap and
// what each is expected to cost, before anything is called. The pipeline executes it through a
// RouteBudget (router/budget.ts); the admin preview shows it; a key's budget reserves its total.

/** Aggregations that call an expert of their own (synthesizer, judge, refinement rounds). */
const CALLING_AGGREGATIONS = new Set(['synthesize', 'judge', 'layers']);

export interface PlannedCall extends Candidate {
  estimatedCostUsd: number;
  /** The cap leaves it out (candidates are fitted in stage order; a later, cheaper one may still fit). */
  overBudget: boolean;
}

export interface PlannedAggregation {
  kind: string;
  /** The policy's aggregator, else null (chosen at run time; the dearest ranked expert bounds its cost). */
  expertId: string | null;
  /** The synthesizer's or judge's call, plus every refinement round for `layers`. */
  estimatedCostUsd: number;
  /** It does not fit after the planned experts: it is skipped and the answers are voted on instead. */
  overBudget: boolean;
}

export interface RoutePlan {
  decision: RoutingDecision;
  /** Tokens of the conversation as the experts read it. */
  promptTokens: number;
  /** Output tokens assumed per call: the request's max_tokens, else DEFAULT_EXPECTED_OUTPUT_TOKENS. */
  expectedOutputTokens: number;
  stages: PlannedCall[][];
  aggregation: PlannedAggregation | null;
  /** Everything planned within the cap (never above it): what a key's budget reserves. */
  estimatedCostUsd: number;
}

/** `spentUsd`: already spent deciding (an LLM skill extractor's calls). */
export function planRoute(req: RouteRequest, policy: RoutingPolicy, decision: RoutingDecision, registry: readonly ExpertProfile[], spentUsd = 0): RoutePlan {
  const byId = new Map(registry.map((e) => [e.id, e]));
  const promptTokens = promptTokensOf(req);
  const output = expectedOutputOf(req);
  const cost = (prices: Prices | undefined, tokens: number, outputs = output) => (prices ? estimateCostUsd(prices, tokens, outputs) : 0);
  // An answering expert asked for n choices writes (and is paid for) n answers.
  const answerOutput = output * (req.params?.n ?? 1);
  const cap = policy.max_cost_usd ?? Infinity;
  let planned = spentUsd;
  const stages = decision.stages.map((stage) =>
    stage.map((c): PlannedCall => {
      const estimatedCostUsd = cost(byId.get(c.expertId), promptTokens, answerOutput);
      const overBudget = planned + estimatedCostUsd > cap;
      if (!overBudget) planned += estimatedCostUsd;
      return { ...c, estimatedCostUsd, overBudget };
    }),
  );
  let aggregation: PlannedAggregation | null = null;
  if (CALLING_AGGREGATIONS.has(policy.aggregate)) {
    const answering = stages.flat().filter((c) => !c.overBudget);
    const withAnswers = promptTokens + answering.length * output;
    const rounds =
      policy.aggregate === 'layers' ? (policy.rounds ?? DEFAULT_ROUNDS) * answering.reduce((s, c) => s + cost(byId.get(c.expertId), withAnswers), 0) : 0;
    const synthesis = cost(policy.aggregator ? byId.get(policy.aggregator) : dearest(decision, byId), withAnswers);
    const estimatedCostUsd = rounds + synthesis;
    const overBudget = planned + estimatedCostUsd > cap;
    if (!overBudget) planned += estimatedCostUsd;
    aggregation = { kind: policy.aggregate, expertId: policy.aggregator ?? null, estimatedCostUsd, overBudget };
  }
  return { decision, promptTokens, expectedOutputTokens: output, stages, aggregation, estimatedCostUsd: planned };
}

/** The executor's budget for a request: the policy's cap and every registered price (a named aggregator need not be eligible). */
export function routeBudget(req: RouteRequest, policy: RoutingPolicy, registry: readonly ExpertProfile[]): RouteBudget {
  return new RouteBudget({
    cap: policy.max_cost_usd,
    promptTokens: promptTokensOf(req),
    prices: new Map(registry.map((e) => [e.id, e])),
    expectedOutputTokens: expectedOutputOf(req),
    choices: req.params?.n ?? 1,
  });
}

function promptTokensOf(req: RouteRequest): number {
  return req.messages.reduce((n, m) => n + tokensOf(m.content), 0);
}

function expectedOutputOf(req: RouteRequest): number {
  return req.maxTokens ?? DEFAULT_EXPECTED_OUTPUT_TOKENS;
}

function dearest(decision: RoutingDecision, byId: Map<string, ExpertProfile>): ExpertProfile | undefined {
  let best: ExpertProfile | undefined;
  for (const c of decision.ranked) {
    const e = byId.get(c.expertId);
    if (e && (!best || e.inputPricePerMTok + e.outputPricePerMTok > best.inputPricePerMTok + best.outputPricePerMTok)) best = e;
  }
  return best;
}
