import type { ArtifactSet } from '../artifacts';
import { GatewayError } from '../errors';
import { BANDIT_ARTIFACT } from '../bandit/linucb';
import { Featurizer, FEATURES_ARTIFACT } from '../features/featurizer';
import { EXPERT_STATS_ARTIFACT } from '../learned/expert-stats';
import { parseArtifact } from '../learned/models';
import { CORRECTNESS_ARTIFACT } from '../learned/predictor';
import { SKILL_ARTIFACT } from '../skill/profiles';
import type { TrainingExample } from '../train';
import { updateBandit } from './bandit';
import { updateCorrectness } from './correctness';
import { updateSkillProfiles } from './skill';
import { updateExpertStats } from './stats';

// Learning from the routing history without retraining from scratch: every artifact that can absorb
// new labelled outcomes does so incrementally. The featuriser (vocabulary, LSA projection) and the
// answer-confidence scorer stay as trained offline: refitting them would invalidate everything else.

export const LEARNABLE_ARTIFACTS = [BANDIT_ARTIFACT, CORRECTNESS_ARTIFACT, SKILL_ARTIFACT, EXPERT_STATS_ARTIFACT] as const;
export type LearnableArtifact = (typeof LEARNABLE_ARTIFACTS)[number];

/**
 * The new data of `name` after learning from `examples`. Needs the featuriser the artifact was
 * trained with; a missing artifact is an error naming it.
 */
export function learnArtifact(artifacts: ArtifactSet, name: LearnableArtifact, examples: readonly TrainingExample[]): unknown {
  const record = artifacts.get(name);
  if (!record) throw missing(name);
  const featuresRecord = artifacts.get(FEATURES_ARTIFACT);
  if (!featuresRecord) throw missing(FEATURES_ARTIFACT);
  const featurizer = parseArtifact(featuresRecord, Featurizer.fromArtifact);
  const features = examples.map((x) => featurizer.features(x.prompt));
  switch (name) {
    case BANDIT_ARTIFACT:
      return updateBandit(record.data, examples, features);
    case CORRECTNESS_ARTIFACT:
      return updateCorrectness(record.data, examples, features);
    case SKILL_ARTIFACT:
      return updateSkillProfiles(record.data, examples, features, featurizer);
    case EXPERT_STATS_ARTIFACT:
      return updateExpertStats(record.data, examples);
  }
}

function missing(name: string): GatewayError {
  return new GatewayError(`artifact '${name}' does not exist yet: seed the trained artifacts first (npm start, npm run deploy)`, 'artifact_missing', 409);
}
