import { Hono } from 'hono';
import { z } from 'zod';
import { estimateCostUsd, tokensOf } from '../../router/cost';
import { eligibleExperts } from '../../router/eligibility';
import { InvalidRequestError } from '../../router/errors';
import type { RoutingPolicy } from '../../router/policy';
import { policyForPrompt, withPromptPlan } from '../../router/prompt-policy';
import type { Candidate, ExpertProfile, RoutingStrategy } from '../../router/types';
import { createDb } from '../db/client';
import { cacheTtlMs, type AppEnv } from '../env';
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
  excluded: { expert: string; reason: 'disabled' | 'not allowed' | 'denied' | 'circuit open' }[];
  ranked: PreviewCandidate[];
  /** Stage 0 is called; later stages only on escalation. `over_budget`: the cost cap would skip it. */
  stages: (PreviewCandidate & { over_budget: boolean })[][];
  info?: Record<string, unknown>;
}

function exclusionReason(e: ExpertProfile, policy: RoutingPolicy): RoutePreview['excluded'][number]['reason'] {
  if (!e.enabled) return 'disabled';
  if (policy.allow && !policy.allow.includes(e.id)) return 'not allowed';
  if (policy.deny?.includes(e.id)) return 'denied';
  return 'circuit open';
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
): Promise<RoutePreview> {
  const plan = policyForPrompt(requested, prompt);
  const policy = plan.policy;
  const strategy = strategies.get(policy.strategy);
  if (!strategy) throw new InvalidRequestError(`routing strategy '${policy.strategy}' is not available`, 'unknown_strategy', 'routing.strategy');
  if (policy.aggregate !== 'first' && !aggregators.has(policy.aggregate)) {
    throw new InvalidRequestError(`aggregation '${policy.aggregate}' is not available`, 'unknown_aggregation', 'routing.aggregate');
  }
  const eligible = eligibleExperts(experts, policy, (id) => breakers.allows(id));
  if (eligible.length === 0) throw new InvalidRequestError('no expert is eligible under this policy (all disabled, denied or failing)', 'no_eligible_expert', 'routing');
  const decision = withPromptPlan(await strategy.decide({ prompt, messages: [{ role: 'user', content: prompt }] }, eligible, policy), plan);

  const promptTokens = tokensOf(prompt);
  const byId = new Map(eligible.map((e) => [e.id, e]));
  const view = (c: Candidate): PreviewCandidate => ({
    expert: c.expertId,
    score: c.score,
    ...(c.detail ? { detail: c.detail } : {}),
    estimated_cost_usd: byId.has(c.expertId) ? estimateCostUsd(byId.get(c.expertId)!, promptTokens) : 0,
  });
  // The pipeline's cost cap: candidates that would push the estimate over it are skipped, in order.
  let planned = 0;
  const stages = decision.stages.map((stage) =>
    stage.map((c) => {
      const v = view(c);
      const over = policy.max_cost_usd !== undefined && planned + v.estimated_cost_usd > policy.max_cost_usd;
      if (!over) planned += v.estimated_cost_usd;
      return { ...v, over_budget: over };
    }),
  );
  const eligibleIds = new Set(eligible.map((e) => e.id));
  return {
    policy,
    strategy: decision.strategy,
    prompt_tokens: promptTokens,
    eligible: [...eligibleIds],
    excluded: experts.filter((e) => !eligibleIds.has(e.id)).map((e) => ({ expert: e.id, reason: exclusionReason(e, policy) })),
    ranked: decision.ranked.map(view),
    stages,
    ...(decision.info ? { info: decision.info } : {}),
  };
}

export const adminPreview = new Hono<AppEnv>();

/** The routing decision for a prompt under a named policy or an unsaved config; no expert is called. */
adminPreview.post('/', async (c) => {
  const input = await readJson(c, previewSchema, 'preview');
  const db = createDb(c.env.DB);
  const [registry, router] = await Promise.all([loadRegistry(db, cacheTtlMs(c.env)), routerState(db, cacheTtlMs(c.env))]);
  const policy = input.config ? { ...input.config, name: input.name || '(unsaved)' } : resolveRequestPolicy(registry, input.policy!, undefined, undefined);
  return c.json(await previewRoute(input.prompt, policy, registry.experts, router.strategies, router.aggregators));
});
