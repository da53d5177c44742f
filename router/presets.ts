import type { RoutingPolicy } from './policy';

// Named policies on top of the strategies, each chosen by 5-fold cross-validation on the dev split
// (docs/routing.md has the figures). Plain RoutingPolicy values: a request may still override any
// field (k, lambda, quorum, max_cost_usd, allow / deny). All three count their answers with the
// stacked vote fitted on recorded outcomes (router/stacker); balanced and quality also stop on its
// posterior, economy on the naive-Bayes vote, which tells better when one or two cheap answers
// are enough.

// λ is relative to the pool's reference cost (one query to its most accurate expert), so the same
// preset means the same trade-off on any pool of models and prices. `cost_budget` is each preset's
// mean cost per request in that unit (issue #14's targets; balanced never dearer than the most
// accurate expert): where training found the agreement ladder more accurate than the cascade within
// it (router/eval/ladder-choice.ts), the ladder runs instead, as on free-form answer pools.

/**
 * Best quality per dollar: a cheap strong expert, a cheap second opinion while unsure, the
 * strongest expert only when the answers leave enough doubt to be worth its price. λ = 0.165 is the
 * cheapest setting that still matches the best single model on MMLU-Pro (0.35× its cost).
 */
export const ECONOMY: RoutingPolicy = {
  name: 'economy',
  strategy: 'cascade',
  aggregate: 'stacked-vote',
  stop_on: 'vote',
  lambda: 0.165,
  k: 3,
  cost_budget: 0.35,
};

export const QUALITY: RoutingPolicy = { name: 'quality', strategy: 'cascade', aggregate: 'stacked-vote', lambda: 0.0275, k: 4, quorum: 3, cost_budget: 1.5 };

/** The middle of the frontier: two cheap experts together, a third and the strongest while the stacked vote is unsure. */
export const BALANCED: RoutingPolicy = { name: 'balanced', strategy: 'cascade', aggregate: 'stacked-vote', lambda: 0.055, k: 4, quorum: 2, cost_budget: 1 };

export const PRESETS: ReadonlyMap<string, RoutingPolicy> = new Map([ECONOMY, QUALITY, BALANCED].map((p) => [p.name, p]));
