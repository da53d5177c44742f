// Trained router artifacts (skill profiles, learned weights, vocabularies, bandit state) are
// versioned JSON documents. The Worker loads them from D1 and swaps in a new version when the
// cron job retrains; strategies receive them through this set and parse what they need.

export interface ArtifactRecord {
  /** e.g. `skill-profiles`, `learned-logreg`, `bandit-linucb`. */
  name: string;
  version: number;
  createdAt: string;
  data: unknown;
}

export type ArtifactSet = ReadonlyMap<string, ArtifactRecord>;

export const EMPTY_ARTIFACTS: ArtifactSet = new Map();
