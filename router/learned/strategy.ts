import type { ArtifactSet } from '../artifacts';
import { tokensOf } from '../cost';
import { InvalidRequestError } from '../errors';
import type { RoutingPolicy } from '../policy';
import type { Candidate, ExpertProfile, RouteRequest, RoutingDecision, RoutingStrategy } from '../types';
import { relativeCost } from './expert-stats';
import { loadRouterModels, type RouterModels } from './models';
import { OPTIONS } from '../cascade/posterior';
import { affordable, chooseExperts, rankCandidates } from './select';

// `learned`: rank experts by expected utility P(correct | prompt) − λ · cost, where P comes from the
// trained correctness predictor and cost is the expected cost of the call relative to the pool's
// reference cost (one query to its most accurate expert, `referenceCostUsd`), so a λ means the same
// trade-off on any pool and price level: λ = 0.1 asks a call as dear as the best single model to
// buy 10 points of P.

/** λ when the policy sets none: quality first, cost only breaks near-ties. */
export const DEFAULT_LAMBDA = 0.0055;

export interface UtilityScore {
  p: number;
  costUsd: number;
  /** costUsd in units of the pool's reference cost. */
  cost: number;
  utility: number;
}

/**
 * λ's unit for a request: the reference cost (`referenceCostUsd`) of the experts eligible for it,
 * taken before a cost cap narrows the candidates, so a cap does not move the unit.
 */
export function costUnitUsd(models: RouterModels, prompt: string, pool: readonly ExpertProfile[]): number {
  return models.stats.referenceCostUsd(pool, tokensOf(prompt));
}

/** Scores every eligible expert, cost in units of `referenceUsd`; shared with the cascade and the presets. */
export function scoreByUtility(
  models: RouterModels,
  prompt: string,
  experts: readonly ExpertProfile[],
  lambda: number,
  referenceUsd: number,
): Map<string, UtilityScore> {
  const f = models.featurizer.features(prompt);
  const p = models.predictor.predict(
    f,
    experts.map((e) => e.id),
  );
  return new Map(
    experts.map((e) => {
      const costUsd = models.stats.expectedCostUsd(e.id, e, f.promptTokens);
      const cost = relativeCost(costUsd, referenceUsd);
      const pe = p.get(e.id)!;
      return [e.id, { p: pe, costUsd, cost, utility: pe - lambda * cost }];
    }),
  );
}

export function notTrained(strategy: string): InvalidRequestError {
  return new InvalidRequestError(
    `strategy '${strategy}' has no trained artifacts yet (seed them with npm start or wait for the cron retrain)`,
    'strategy_not_trained',
    'routing.strategy',
    503,
  );
}

export function createLearnedStrategy(artifacts: ArtifactSet): RoutingStrategy {
  const models = loadRouterModels(artifacts);
  return {
    name: 'learned',
    decide(req: RouteRequest, experts: ExpertProfile[], policy: RoutingPolicy): RoutingDecision {
      if (!models) throw notTrained('learned');
      const lambda = policy.lambda ?? DEFAULT_LAMBDA;
      const reference = costUnitUsd(models, req.prompt, experts);
      const scores = scoreByUtility(models, req.prompt, experts, lambda, reference);
      const ranked = rankCandidates(
        experts.map((e): Candidate => {
          const s = scores.get(e.id)!;
          return {
            expertId: e.id,
            score: s.utility,
            detail: { p: round(s.p), cost_usd: round(s.costUsd, 8), weight: voteWeight(s.p), affordable: affordable(e, req.prompt, policy) ? 1 : 0 },
          };
        }),
      );
      return {
        strategy: 'learned',
        ranked,
        stages: [chooseExperts(ranked, experts, policy, req.prompt, 1)],
        info: { lambda, cost_unit_usd: round(reference, 8), artifacts: models.versions },
      };
    },
  };
}

/**
 * Weight of an expert's answer in a weighted vote: the log-odds of it being right against the
 * other options (naive Bayes over independent voters), so a 70% expert outvotes a 45% one but not
 * two 65% ones that agree.
 */
export function voteWeight(p: number): number {
  const q = Math.min(0.999, Math.max(0.001, p));
  return round(Math.log((q * (OPTIONS - 1)) / (1 - q)));
}

export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
