import type { RoutingPolicy } from './policy';
import type { ExpertProfile } from './types';

/**
 * Experts a policy may use: enabled, inside `allow` when given, outside `deny`, not a demo expert
 * unless the policy names it (fixed's `experts` or `allow`), and not excluded by the caller's health
 * check (open circuit breaker). Routing never sees the others.
 */
export function eligibleExperts(
  experts: readonly ExpertProfile[],
  policy: RoutingPolicy,
  isHealthy: (expertId: string) => boolean = () => true,
): ExpertProfile[] {
  const allow = policy.allow ? new Set(policy.allow) : null;
  const deny = new Set(policy.deny ?? []);
  const named = new Set([...(policy.strategy === 'fixed' ? (policy.experts ?? []) : []), ...(policy.allow ?? [])]);
  return experts.filter((e) => e.enabled && (!allow || allow.has(e.id)) && !deny.has(e.id) && (!e.demo || named.has(e.id)) && isHealthy(e.id));
}
