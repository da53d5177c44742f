import { and, eq, gte, sql } from 'drizzle-orm';
import { BudgetError, PermissionError, RateLimitError } from '../../router/errors';
import type { RoutingPolicy } from '../../router/policy';
import type { Db } from '../db/client';
import type { ApiKeyRow } from '../db/keys';
import { routes } from '../db/schema';
import type { Env } from '../env';
import type { RateDecision } from './rate-limiter';

/**
 * Requests-per-minute through the key's Durable Object counter: the decision (for the
 * `x-ratelimit-*` headers), or null for a key without a limit; throws 429 with Retry-After.
 */
export async function enforceRateLimit(env: Env, key: ApiKeyRow): Promise<RateDecision | null> {
  if (!key.rpmLimit) return null;
  const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key.id));
  const decision = await stub.hit(key.rpmLimit);
  if (!decision.allowed) throw new RateLimitError(`rate limit of ${key.rpmLimit} requests per minute reached for key '${key.name}'`, decision.retryAfterMs, decision);
  return decision;
}

/** Spend so far today and this month (UTC) against the key's budgets; throws 402 when used up. */
export async function enforceBudget(db: Db, key: ApiKeyRow, now = new Date()): Promise<void> {
  if (key.dailyBudgetUsd == null && key.monthlyBudgetUsd == null) return;
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const month = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const [row] = await db
    .select({
      month: sql<number>`coalesce(sum(${routes.costUsd}), 0)`,
      day: sql<number>`coalesce(sum(case when ${routes.createdAt} >= ${day} then ${routes.costUsd} else 0 end), 0)`,
    })
    .from(routes)
    .where(and(eq(routes.apiKeyId, key.id), gte(routes.createdAt, month)));
  const spent = { day: row?.day ?? 0, month: row?.month ?? 0 };
  if (key.dailyBudgetUsd != null && spent.day >= key.dailyBudgetUsd) {
    throw new BudgetError(`daily budget of $${key.dailyBudgetUsd} for key '${key.name}' is used up ($${spent.day.toFixed(6)} spent today)`);
  }
  if (key.monthlyBudgetUsd != null && spent.month >= key.monthlyBudgetUsd) {
    throw new BudgetError(`monthly budget of $${key.monthlyBudgetUsd} for key '${key.name}' is used up ($${spent.month.toFixed(6)} spent this month)`);
  }
}

/** Narrows a resolved policy to what the key may use; refuses a policy the key may not name. */
export function applyKeyScope(key: ApiKeyRow, model: string, policy: RoutingPolicy): RoutingPolicy {
  if (key.allowedPolicies && !key.allowedPolicies.includes(model)) {
    throw new PermissionError(`key '${key.name}' may not use '${model}'; allowed: ${key.allowedPolicies.join(', ')}`, 'model');
  }
  if (!key.allowedExperts) return policy;
  const allowed = new Set(key.allowedExperts);
  const outside = [...(policy.experts ?? []), ...(policy.aggregator ? [policy.aggregator] : []), ...(policy.fallback ? [policy.fallback] : [])].filter((id) => !allowed.has(id));
  if (outside.length) throw new PermissionError(`key '${key.name}' may not use expert(s) ${outside.join(', ')}`, 'routing.experts');
  return { ...policy, allow: policy.allow ? policy.allow.filter((id) => allowed.has(id)) : [...allowed] };
}
