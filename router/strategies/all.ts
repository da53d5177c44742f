import type { RoutingPolicy } from '../policy';
import type { ExpertProfile, RoutingDecision, RoutingStrategy } from '../types';

/** Every eligible expert (the first k when k is set, cheapest first so a cap keeps the cheap ones). */
export const allStrategy: RoutingStrategy = {
  name: 'all',
  decide(_req, experts: ExpertProfile[], policy: RoutingPolicy): RoutingDecision {
    const ranked = [...experts]
      .sort((a, b) => a.inputPricePerMTok + a.outputPricePerMTok - (b.inputPricePerMTok + b.outputPricePerMTok) || a.id.localeCompare(b.id))
      .map((e) => ({ expertId: e.id, score: 1 }));
    const chosen = ranked.slice(0, policy.k ?? ranked.length);
    return { strategy: 'all', ranked, stages: [chosen] };
  },
};
