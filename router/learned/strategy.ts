import type { ArtifactSet } from '../artifacts';
import { InvalidRequestError } from '../errors';
import type { RoutingPolicy } from '../policy';
import type { Candidate, ExpertProfile, RouteRequest, RoutingDecision, RoutingStrategy } from '../types';
import { loadRouterModels, type RouterModels } from './models';
import { OPTIONS } from '../cascade/posterior';
import { affordable, chooseExperts, rankCandidates } from './select';

// `learned`: rank experts by expected utility P(correct | prompt) − λ · cost, where P comes from the
// trained correctness predictor and cost is the expected USD of the call per 1k queries.

/** λ when the policy sets none: quality first, cost only breaks near-ties. */
export const DEFAULT_LAMBDA = 0.01;

export interface UtilityScore {
  p: number;
  costUsd: number;
  utility: number;
}

/** Scores every eligible expert; shared with the cascade and the presets. */
export function scoreByUtility(models: RouterModels, prompt: string, experts: readonly ExpertProfile[], lambda: number): Map<string, UtilityScore> {
  const f = models.featurizer.features(prompt);
  const p = models.predictor.predict(
    f,
    experts.map((e) => e.id),
  );
  return new Map(
    experts.map((e) => {
      const costUsd = models.stats.expectedCostUsd(e.id, e, f.promptTokens);
      const pe = p.get(e.id)!;
      return [e.id, { p: pe, costUsd, utility: pe - lambda * costUsd * 1000 }];
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
      const scores = scoreByUtility(models, req.prompt, experts, lambda);
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
      return { strategy: 'learned', ranked, stages: [chooseExperts(ranked, experts, policy, req.prompt, 1)], info: { lambda, artifacts: models.versions } };
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
