import type { RoutingPolicy } from './policy';

// Named policies on top of the strategies, each tuned by 5-fold cross-validation on the dev split
// (docs/routing.md has the figures). Plain RoutingPolicy values: a request may still override any
// field (k, lambda, max_cost_usd, allow / deny).

/** Best quality per dollar: one cheap strong expert, a second opinion when unsure, the strongest on disagreement. */
export const ECONOMY: RoutingPolicy = { name: 'economy', strategy: 'cascade', aggregate: 'first', lambda: 0.2, k: 3 };

/** Best answers: the cascade keeps calling strong experts while the answers leave doubt. */
export const QUALITY: RoutingPolicy = { name: 'quality', strategy: 'cascade', aggregate: 'first', lambda: 0.005, k: 5 };

/** The middle of the frontier. */
export const BALANCED: RoutingPolicy = { name: 'balanced', strategy: 'cascade', aggregate: 'first', lambda: 0.05, k: 3 };

export const PRESETS: ReadonlyMap<string, RoutingPolicy> = new Map([ECONOMY, QUALITY, BALANCED].map((p) => [p.name, p]));
