import { banditContext, banditFromArtifact, banditToArtifact, banditUpdate, type BanditArtifact } from '../bandit/linucb';
import type { PromptFeatures } from '../features/featurizer';
import type { TrainingExample } from '../train';

// LinUCB learns exactly online: each labelled outcome is one reward (1 right, 0 wrong) for that
// expert's arm on the prompt's context. An expert the bandit has not seen gets a fresh arm.

export function updateBandit(data: unknown, examples: readonly TrainingExample[], features: readonly PromptFeatures[]): BanditArtifact {
  let state = banditFromArtifact(data);
  examples.forEach((x, i) => {
    const context = banditContext(features[i]!.dense);
    for (const [expertId, o] of Object.entries(x.outcomes)) state = banditUpdate(state, context, expertId, o.correct ? 1 : 0);
  });
  return banditToArtifact(state);
}
