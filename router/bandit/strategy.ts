import type { ArtifactSet } from '../artifacts';
import { relativeCost } from '../learned/expert-stats';
import { loadRouterModels, parseArtifact, versionsOf } from '../learned/models';
import { chooseExperts, rankCandidates } from '../learned/select';
import { costUnitUsd, notTrained, round } from '../learned/strategy';
import type { RoutingPolicy } from '../policy';
import type { Candidate, ExpertProfile, RouteRequest, RoutingDecision, RoutingStrategy } from '../types';
import { armEstimate, BANDIT_ARTIFACT, banditContext, banditFromArtifact, emptyArm } from './linucb';

// `bandit`: LinUCB over the prompt embedding, learning online from `POST /v1/feedback`. Each expert
// scores its upper confidence bound on the reward minus λ · cost (relative to the pool's reference
// cost, as in `learned`); an expert the bandit has never seen gets the widest bound, so it is tried.

export const DEFAULT_BANDIT_LAMBDA = 0.011;

export function createBanditStrategy(artifacts: ArtifactSet): RoutingStrategy {
  const models = loadRouterModels(artifacts);
  const record = artifacts.get(BANDIT_ARTIFACT);
  const state = record ? parseArtifact(record, banditFromArtifact) : null;
  return {
    name: 'bandit',
    decide(req: RouteRequest, experts: ExpertProfile[], policy: RoutingPolicy): RoutingDecision {
      if (!models || !state || !record) throw notTrained('bandit');
      const lambda = policy.lambda ?? DEFAULT_BANDIT_LAMBDA;
      const f = models.featurizer.features(req.prompt);
      const x = banditContext(f.dense);
      const reference = costUnitUsd(models, req.prompt, experts);
      const ranked = rankCandidates(
        experts.map((e): Candidate => {
          const arm = state.arms.get(e.id) ?? emptyArm(state.dims);
          const { mean, width } = armEstimate(arm, x);
          const costUsd = models.stats.expectedCostUsd(e.id, e, f.promptTokens);
          const ucb = mean + state.alpha * width;
          return {
            expertId: e.id,
            score: ucb - lambda * relativeCost(costUsd, reference),
            detail: { mean: round(mean), width: round(width), cost_usd: round(costUsd, 8), pulls: arm.n },
          };
        }),
      );
      return {
        strategy: 'bandit',
        ranked,
        stages: [chooseExperts(ranked, experts, policy, req.prompt, 1)],
        info: { lambda, cost_unit_usd: round(reference, 8), alpha: state.alpha, artifacts: `${models.versions},${versionsOf([record])}` },
      };
    },
  };
}
