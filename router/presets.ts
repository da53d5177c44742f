import type { RoutingPolicy } from './policy';

// Named policies on top of the strategies, each chosen by 5-fold cross-validation on the dev split
// (docs/routing.md has the figures). Plain RoutingPolicy values: a request may still override any
// field (k, lambda, quorum, max_cost_usd, allow / deny). Economy's votes are weighted by each
// expert's predicted log-odds of being right (Candidate.detail.weight); balanced and quality count
// them with the stacked vote fitted on recorded outcomes (router/stacker), which also tells their
// cascades how sure the answers so far are.

/**
 * Best quality per dollar: a cheap strong expert, a cheap second opinion while unsure, the
 * strongest expert only when the answers leave enough doubt to be worth its price. λ = 0.2 is the
 * cheapest setting that still beats the best single model with some margin (λ = 0.3 costs 0.36×
 * but falls 0.3 points below it).
 */
export const ECONOMY: RoutingPolicy = { name: 'economy', strategy: 'cascade', aggregate: 'weighted-vote', lambda: 0.2, k: 3 };

/**
 * Best answers: three cost-effective experts together, and the strongest expert for this prompt
 * unless the stacked vote of the three is already surer than it by λ · its cost (λ = 0.05: smaller
 * values cost more for the same accuracy; calling it on every question adds nothing for 0.45×).
 */
export const QUALITY: RoutingPolicy = { name: 'quality', strategy: 'cascade', aggregate: 'stacked-vote', lambda: 0.05, k: 4, quorum: 3 };

/** The middle of the frontier: two cheap experts together, a third and the strongest while the stacked vote is unsure. */
export const BALANCED: RoutingPolicy = { name: 'balanced', strategy: 'cascade', aggregate: 'stacked-vote', lambda: 0.1, k: 4, quorum: 2 };

export const PRESETS: ReadonlyMap<string, RoutingPolicy> = new Map([ECONOMY, QUALITY, BALANCED].map((p) => [p.name, p]));
