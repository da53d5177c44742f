import { namedExperts, type RoutingPolicy } from './policy';
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

/** An expert routing left out because it cannot be called as configured, and why. */
export interface LeftOut {
  expertId: string;
  reason: string;
}

/**
 * Leaves out experts that cannot be called as they are configured now (a key not set, …) unless the
 * policy names them: a named one is called and fails saying why. When that would leave none, all
 * stay, so the route fails naming each reason rather than finding no expert.
 */
export function configuredExperts(
  experts: ExpertProfile[],
  policy: RoutingPolicy,
  configProblem: ((expertId: string) => string | null) | undefined,
): { experts: ExpertProfile[]; leftOut: LeftOut[] } {
  if (!configProblem) return { experts, leftOut: [] };
  const named = new Set(namedExperts(policy));
  const leftOut: LeftOut[] = [];
  const callable = experts.filter((e) => {
    const reason = named.has(e.id) ? null : configProblem(e.id);
    if (reason) leftOut.push({ expertId: e.id, reason });
    return reason === null;
  });
  return callable.length ? { experts: callable, leftOut } : { experts, leftOut: [] };
}
