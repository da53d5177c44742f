import { InvalidRequestError } from '../errors';
import type { RoutingPolicy } from '../policy';
import type { ExpertProfile, RoutingDecision, RoutingStrategy } from '../types';

/** Calls exactly the experts the policy names, in order (also how `model: <expert id>` routes). */
export const fixedStrategy: RoutingStrategy = {
  name: 'fixed',
  decide(_req, experts: ExpertProfile[], policy: RoutingPolicy): RoutingDecision {
    const named = policy.experts;
    if (!named?.length) {
      throw new InvalidRequestError("strategy 'fixed' needs routing.experts: the expert ids to call", 'invalid_policy', 'routing.experts');
    }
    const eligible = new Set(experts.map((e) => e.id));
    const missing = named.filter((id) => !eligible.has(id));
    if (missing.length) {
      throw new InvalidRequestError(
        `expert(s) ${missing.map((m) => `'${m}'`).join(', ')} cannot be used: unknown, disabled or denied by the policy`,
        'expert_unavailable',
        'routing.experts',
      );
    }
    const chosen = named.slice(0, policy.k ?? named.length).map((expertId, i) => ({ expertId, score: named.length - i }));
    return { strategy: 'fixed', ranked: chosen, stages: [chosen] };
  },
};
