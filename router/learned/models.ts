import type { ArtifactRecord, ArtifactSet } from '../artifacts';
import { FEATURES_ARTIFACT, Featurizer } from '../features/featurizer';
import { EXPERT_STATS_ARTIFACT, ExpertStatsTable } from './expert-stats';
import { CORRECTNESS_ARTIFACT, CorrectnessPredictor } from './predictor';

// Trained artifacts are parsed once per version: every strategy factory gets the same ArtifactSet,
// and a hot swap brings new record objects, so a cache keyed by the record is shared and never stale.

const parsed = new WeakMap<ArtifactRecord, unknown>();

export function parseArtifact<T>(record: ArtifactRecord, parse: (data: unknown) => T): T {
  if (parsed.has(record)) return parsed.get(record) as T;
  const value = parse(record.data);
  parsed.set(record, value);
  return value;
}

export function versionsOf(records: readonly ArtifactRecord[]): string {
  return records.map((r) => `${r.name}@${r.version}`).join(',');
}

export function loadFeaturizer(artifacts: ArtifactSet): Featurizer | null {
  const record = artifacts.get(FEATURES_ARTIFACT);
  return record ? parseArtifact(record, Featurizer.fromArtifact) : null;
}

/** The models the learned, cascade and bandit strategies share. */
export interface RouterModels {
  featurizer: Featurizer;
  predictor: CorrectnessPredictor;
  stats: ExpertStatsTable;
  /** `name@version` of the artifacts used, reported in decisions. */
  versions: string;
}

/** The shared models, or null when the artifacts hold no trained router (nothing seeded yet). */
export function loadRouterModels(artifacts: ArtifactSet): RouterModels | null {
  const features = artifacts.get(FEATURES_ARTIFACT);
  const predictor = artifacts.get(CORRECTNESS_ARTIFACT);
  const stats = artifacts.get(EXPERT_STATS_ARTIFACT);
  if (!features || !predictor || !stats) return null;
  return {
    featurizer: parseArtifact(features, Featurizer.fromArtifact),
    predictor: parseArtifact(predictor, CorrectnessPredictor.fromArtifact),
    stats: parseArtifact(stats, ExpertStatsTable.fromArtifact),
    versions: versionsOf([features, predictor, stats]),
  };
}
