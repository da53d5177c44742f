import { Hono } from 'hono';
import { z } from 'zod';
import { estimateCostUsd } from '../../router/cost';
import { configuredExperts, eligibleExperts, type LeftOut } from '../../router/eligibility';
import { InvalidRequestError } from '../../router/errors';
import type { RouteBudget } from '../../router/budget';
import { Channel } from '../../router/channel';
import { planRoute, routeBudget } from '../../router/plan';
import type { RoutingPolicy } from '../../router/policy';
import { policyForPrompt, withPromptPlan } from '../../router/prompt-policy';
import type { StreamDelta } from '../../router/params';
import type { Candidate, ExpertCaller, ExpertProfile, RoutingStrategy } from '../../router/types';
import { createDb } from '../db/client';
import { cacheTtlMs, type AppEnv } from '../env';
import { gatewayCaller } from '../gateway/adapters';
import { expertsForRequest } from '../gateway/features';
import { MAX_MESSAGE_CHARS } from '../gateway/openai-schema';
import { resolveRequestPolicy, savedPolicyConfigSchema } from '../gateway/policies';
import { loadRegistry } from '../gateway/registry';
import { routerState } from '../gateway/router-state';
import { readJson } from '../http/validation';
import { breakers } from '../resilience/breaker';

export const previewSchema = z
  .object({
    prompt: z.string().min(1, 'enter a prompt').max(MAX_MESSAGE_CHARS),
    /** A saved or built-in policy, or an expert id, exactly as `model` names one. */
    policy: z.string().min(1).max(128).optional(),
    /** An unsaved policy config (the dashboard's form as it stands). */
    config: savedPolicyConfigSchema.optional(),
    /** The name an unsaved config is shown under. */
    name: z.string().max(64).optional(),
  })
  .strict()
  .refine((b) => (b.policy === undefined) !== (b.config === undefined), { message: 'give exactly one of policy (a name) or config', path: ['policy'] });

export interface PreviewCandidate {
  expert: string;
  score: number;
  detail?: Record<string, number | string>;
  estimated_cost_usd: number;
}

export interface RoutePreview {
  policy: RoutingPolicy;
  strategy: string;
  prompt_tokens: number;
  eligible: string[];
  /** Experts routing never sees under this policy, and why. */
  excluded: { expert: string; reason: 'disabled' | 'not allowed' | 'denied' | 'demo, not named' | `not callable: ${string}` | 'circuit open' }[];
  ranked: PreviewCandidate[];
  /** Stage 0 is called; later stages only on escalation. `over_budget`: the cost cap would skip it. */
  stages: (PreviewCandidate & { over_budget: boolean })[][];
  /** The aggregator's own calls (synthesizer, judge, refinement rounds), when the policy makes any. */
  aggregation: { kind: string; expert: string | null; estimated_cost_usd: number; over_budget: boolean } | null;
  /** The LLM skill extractor's calls (those the cap lets through), made before the route decides: not made here, counted at their expected cost. */
  extractor: { expert: string; calls: number; estimated_cost_usd: number } | null;
  /** What the route is expected to cost at most, within the cap: what a key's budget reserves for it. */
  estimated_cost_usd: number;
  info?: Record<string, unknown>;
}

function exclusionReason(e: ExpertProfile, policy: RoutingPolicy, leftOut: readonly LeftOut[]): RoutePreview['excluded'][number]['reason'] {
  if (!e.enabled) return 'disabled';
  if (policy.allow && !policy.allow.includes(e.id)) return 'not allowed';
  if (policy.deny?.includes(e.id)) return 'denied';
  // Past those, eligibility leaves out only a demo expert the policy does not name (`allow` names it).
  if (eligibleExperts([e], policy).length === 0) return 'demo, not named';
  const problem = leftOut.find((l) => l.expertId === e.id);
  return problem ? `not callable: ${problem.reason}` : 'circuit open';
}

/**
 * Everything a chat request does up to `strategy.decide`, with the same checks and errors, and no
 * expert called: what the policy would choose for this prompt, and why (the strategy's scores).
 */
export async function previewRoute(
  prompt: string,
  requested: RoutingPolicy,
  experts: readonly ExpertProfile[],
  strategies: ReadonlyMap<string, RoutingStrategy>,
  aggregators: ReadonlyMap<string, unknown>,
  configProblem?: (expertId: string) => string | null,
): Promise<RoutePreview> {
  const prompted = policyForPrompt(requested, prompt);
  const policy = prompted.policy;
  const strategy = strategies.get(policy.strategy);
  if (!strategy) throw new InvalidRequestError(`routing strategy '${policy.strategy}' is not available`, 'unknown_strategy', 'routing.strategy');
  if (policy.aggregate !== 'first' && !aggregators.has(policy.aggregate)) {
    throw new InvalidRequestError(`aggregation '${policy.aggregate}' is not available`, 'unknown_aggregation', 'routing.aggregate');
  }
  const configured = configuredExperts(eligibleExperts(experts, policy), policy, configProblem);
  const eligible = configured.experts.filter((e) => breakers.allows(e.id));
  if (eligible.length === 0)
    throw new InvalidRequestError('no expert is eligible under this policy (all disabled, denied or failing)', 'no_eligible_expert', 'routing');
  const req = { prompt, messages: [{ role: 'user' as const, content: prompt }] };
  // A preview calls no expert, the LLM skill extractor included: its calls go through the route's
  // budget and are answered with no text at the cost the budget expects of them, so the strategy
  // ranks on its local keywords and the plan counts what the route will pay for them, within the cap.
  const budget = routeBudget(req, policy, experts);
  const asked: string[] = [];
  const caller = budget.caller(unanswered(budget, asked));
  const decided = await budget.deciding(eligible, async () => strategy.decide(req, eligible, policy, { caller }));
  const llmExtractor = policy.strategy === 'skill' && policy.extractor === 'llm';
  const extractorNote = 'llm, not called in a preview: ranked on the local keywords; its calls are counted at their estimate (`extractor`)';
  const decision = withPromptPlan(llmExtractor ? { ...decided, info: { ...decided.info, extractor: extractorNote } } : decided, prompted);
  // The pipeline's own plan: the same estimates and the same cap rules.
  const plan = planRoute(req, policy, decision, experts, budget.spentUsd);
  const byId = new Map(eligible.map((e) => [e.id, e]));
  const view = (c: Candidate, estimatedCostUsd: number): PreviewCandidate => ({
    expert: c.expertId,
    score: c.score,
    ...(c.detail ? { detail: c.detail } : {}),
    estimated_cost_usd: estimatedCostUsd,
  });
  const estimate = (id: string) => (byId.has(id) ? estimateCostUsd(byId.get(id)!, plan.promptTokens, plan.expectedOutputTokens) : 0);
  const a = plan.aggregation;
  const eligibleIds = new Set(eligible.map((e) => e.id));
  return {
    policy,
    strategy: decision.strategy,
    prompt_tokens: plan.promptTokens,
    eligible: [...eligibleIds],
    excluded: experts.filter((e) => !eligibleIds.has(e.id)).map((e) => ({ expert: e.id, reason: exclusionReason(e, policy, configured.leftOut) })),
    ranked: decision.ranked.map((c) => view(c, estimate(c.expertId))),
    stages: plan.stages.map((stage) => stage.map((c) => ({ ...view(c, c.estimatedCostUsd), over_budget: c.overBudget }))),
    aggregation: a ? { kind: a.kind, expert: a.expertId, estimated_cost_usd: a.estimatedCostUsd, over_budget: a.overBudget } : null,
    extractor: llmExtractor ? { expert: String(decided.info?.extractor_expert), calls: asked.length, estimated_cost_usd: budget.spentUsd } : null,
    estimated_cost_usd: plan.estimatedCostUsd,
    ...(decision.info ? { info: decision.info } : {}),
  };
}

/** A caller that calls no one: each call is answered with no text, at the cost `budget` expects of it. */
function unanswered(budget: RouteBudget, asked: string[]): ExpertCaller {
  const complete: ExpertCaller['complete'] = async (expertId, messages, opts) => {
    asked.push(expertId);
    return { expertId, text: '', usage: { promptTokens: 0, completionTokens: 0 }, costUsd: budget.expectedCostUsd(expertId, messages, opts), latencyMs: 0 };
  };
  const deltas = new Channel<StreamDelta>();
  deltas.close();
  return { complete, stream: (expertId, messages, opts) => ({ deltas, done: complete(expertId, messages, opts) }) };
}

export const adminPreview = new Hono<AppEnv>();

/** The routing decision for a prompt under a named policy or an unsaved config; no expert is called. */
adminPreview.post('/', async (c) => {
  const input = await readJson(c, previewSchema, 'preview');
  const db = createDb(c.env.DB);
  const [registry, router] = await Promise.all([loadRegistry(db, cacheTtlMs(c.env)), routerState(db, cacheTtlMs(c.env))]);
  const policy = input.config ? { ...input.config, name: input.name || '(unsaved)' } : resolveRequestPolicy(registry, input.policy!, undefined, undefined);
  // As the chat route: only chat models that can take this request (an embedding model never answers one).
  const experts = expertsForRequest(registry.experts, policy, undefined, [{ role: 'user', content: input.prompt }], false);
  const { configProblem } = gatewayCaller(c.env, experts);
  return c.json(await previewRoute(input.prompt, policy, experts, router.strategies, router.aggregators, configProblem));
});
