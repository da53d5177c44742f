import type { ArtifactSet } from '../artifacts';
import { judgeAggregator } from './judge';
import { layersAggregator } from './layers';
import { synthesizeAggregator } from './synthesize';
import { stackedVoteAggregator } from './stacked-vote';
import { parseSynthesisSkill, SYNTHESIS_SKILL_ARTIFACT } from './synthesis-skill';
import type { Aggregator } from './types';
import { voteAggregator } from './vote';

export interface AggregatorOptions {
  /** Trained artifacts: the `synthesis-skill` ranking picks the aggregator when a policy names none; `vote-stacker` fits the stacked vote. */
  artifacts?: ArtifactSet;
}

/** Every aggregator but `first` (the pipeline's own hedged path), by policy name. Cheap: call when artifacts change. */
export function buildAggregators(opts: AggregatorOptions = {}): Map<string, Aggregator> {
  const ranking = parseSynthesisSkill(opts.artifacts?.get(SYNTHESIS_SKILL_ARTIFACT)?.data);
  const all = [
    voteAggregator('vote'),
    voteAggregator('weighted-vote'),
    stackedVoteAggregator(opts.artifacts),
    synthesizeAggregator(ranking),
    judgeAggregator(ranking),
    layersAggregator(ranking),
  ];
  return new Map(all.map((a) => [a.name, a]));
}
