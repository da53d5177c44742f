import type { ArtifactSet } from '../artifacts';
import { StackedVote } from '../stacker/vote';
import { firstAggregator } from './first';
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
  /** A stacked vote fitted already, in place of the artifacts' (the offline evaluation fits one per fold). */
  stacked?: StackedVote | null;
}

/**
 * Every aggregator by policy name. `first` is here for its forecast and for routes of several
 * stages; a single stage under `first` is the pipeline's own hedged path. Cheap: call when artifacts change.
 */
export function buildAggregators(opts: AggregatorOptions = {}): Map<string, Aggregator> {
  const ranking = parseSynthesisSkill(opts.artifacts?.get(SYNTHESIS_SKILL_ARTIFACT)?.data);
  const stacked = opts.stacked !== undefined ? opts.stacked : opts.artifacts ? StackedVote.load(opts.artifacts) : null;
  const all = [
    firstAggregator,
    voteAggregator('vote'),
    voteAggregator('weighted-vote'),
    stackedVoteAggregator(stacked),
    synthesizeAggregator(ranking),
    judgeAggregator(ranking),
    layersAggregator(ranking),
  ];
  return new Map(all.map((a) => [a.name, a]));
}
