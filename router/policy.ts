import { z } from 'zod';

export const STRATEGY_NAMES = ['fixed', 'all', 'skill', 'learned', 'cascade', 'agreement', 'bandit'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export const AGGREGATION_NAMES = ['first', 'vote', 'weighted-vote', 'stacked-vote', 'synthesize', 'judge', 'layers'] as const;
export type AggregationName = (typeof AGGREGATION_NAMES)[number];

const expertId = z.string().min(1).max(128);
/** The longest deadline (timeout_ms) a policy may give a request. */
export const MAX_DEADLINE_MS = 600_000;

/**
 * The routing knobs a caller may set, per request (`routing` body field or `x-routing-policy`
 * header) or in a saved named policy. Strict: an unknown field is an error, never ignored.
 */
export const routingOverrideSchema = z
  .object({
    strategy: z.enum(STRATEGY_NAMES),
    /** For `fixed`: the experts to call, in order, each once. */
    experts: z
      .array(expertId)
      .min(1)
      .max(64)
      .superRefine((ids, ctx) => {
        const twice = ids.find((id, i) => ids.indexOf(id) !== i);
        if (twice !== undefined) ctx.addIssue({ code: 'custom', message: `expert '${twice}' is listed more than once` });
      }),
    k: z.number().int().min(1).max(64),
    allow: z.array(expertId).max(256),
    deny: z.array(expertId).max(256),
    max_cost_usd: z.number().nonnegative(),
    timeout_ms: z.number().int().min(1).max(MAX_DEADLINE_MS),
    aggregate: z.enum(AGGREGATION_NAMES),
    /** Expert that synthesizes / judges; chosen automatically when absent. */
    aggregator: expertId,
    /** Answers needed for a result (at most the experts the decision plans to call); below it the request fails or uses `fallback`. */
    quorum: z.number().int().min(1).max(64),
    /** Expert called alone when fewer than `quorum` answers arrive. */
    fallback: expertId,
    /**
     * Cost weight in expected utility P(correct) − λ·cost, cost relative to the pool's reference
     * cost (one query to its most accurate expert): λ = 0.1 asks a call as dear as the best single
     * model to buy 10 points of P, on any pool and price level. (Before, cost was USD per 1k queries.)
     */
    lambda: z.number().nonnegative().max(1e6),
    /**
     * For `agreement`: the mean cost per request its ladder may spend, relative to the pool's
     * reference cost (1: as dear as one query to the most accurate expert); the most accurate
     * trained ladder within it runs. On a `cascade`, the ladder replaces the cascade where training
     * found it more accurate within this budget (router/cascade/agreement-strategy.ts).
     */
    cost_budget: z.number().nonnegative().max(1e6),
    /** Mixture-of-Agents rounds for `layers`. */
    rounds: z.number().int().min(1).max(4),
    /** Skill extractor for `skill`: the local keyword model or an LLM expert. */
    extractor: z.enum(['local', 'llm']),
    /** Sample experts in proportion to score instead of deterministic top-k. */
    sample: z.boolean(),
    /**
     * For `cascade`: what tells it the answers so far are good enough. `vote`: each answer's
     * naive-Bayes log-odds (prompt, text, option prior) summed per choice, stopping early when the
     * experts ahead could not overturn the vote; `stacked`: the stacked vote's posterior. Defaults
     * to `stacked` when the policy aggregates with `stacked-vote`, else `vote`.
     */
    stop_on: z.enum(['vote', 'stacked']),
    /** Fire the next-ranked expert too when the first is slow (latency-sensitive policies). */
    hedge_ms: z.number().int().min(1).max(600_000),
  })
  .partial()
  .strict();

export type RoutingOverride = z.infer<typeof routingOverrideSchema>;

/** A fully resolved policy: a named base with per-request overrides applied. */
export interface RoutingPolicy extends RoutingOverride {
  name: string;
  strategy: StrategyName;
  aggregate: AggregationName;
}

/** Knobs that tune one strategy: meaningless for another, so a layer that switches strategy drops them. */
const STRATEGY_KNOBS = ['experts', 'k', 'lambda', 'extractor', 'sample', 'stop_on', 'cost_budget'] as const satisfies readonly (keyof RoutingOverride)[];

/**
 * Later layers win: named policy < header < body. Undefined fields never erase earlier ones. A layer
 * that names another strategy starts that strategy's knobs afresh (`auto`'s cascade k does not cut a
 * request's own `fixed` expert list); cross-cutting knobs (caps, allow / deny, aggregation) carry on.
 */
export function resolvePolicy(base: RoutingPolicy, ...overrides: (RoutingOverride | undefined)[]): RoutingPolicy {
  const out: RoutingPolicy = { ...base };
  for (const o of overrides) {
    if (!o) continue;
    if (o.strategy !== undefined && o.strategy !== out.strategy) for (const knob of STRATEGY_KNOBS) delete out[knob];
    for (const [key, value] of Object.entries(o)) {
      if (value !== undefined) (out as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return out;
}

/** Every expert a policy names itself: `fixed`'s list, the aggregator and the fallback. */
export function namedExperts(policy: RoutingOverride): string[] {
  return [...(policy.experts ?? []), ...(policy.aggregator ? [policy.aggregator] : []), ...(policy.fallback ? [policy.fallback] : [])];
}
