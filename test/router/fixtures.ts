import { loadExamples, loadModels, DEFAULT_DATA, type RoutingExample } from '../../scripts/lib/dataset';
import type { ArtifactRecord, ArtifactSet } from '../../router/artifacts';
import type { Prices } from '../../router/cost';
import { train, type TrainingExample } from '../../router/train';
import { replayExpertProfile } from '../../router/data-format';
import type { ExpertAnswer, ExpertProfile } from '../../router/types';

// Shared by the router tests: a small slice of the dev split, trained once per test file. Small on
// purpose (tests must stay fast on two shared cores); the full evaluation lives in `npm run eval`.

let cached: RoutingExample[] | null = null;

export function devSlice(from: number, to: number): RoutingExample[] {
  cached ??= loadExamples(DEFAULT_DATA);
  return cached.slice(from, to);
}

export function replayExperts(): ExpertProfile[] {
  return loadModels().map(replayExpertProfile);
}

export function asTraining(examples: readonly RoutingExample[]): TrainingExample[] {
  return examples.map((x) => ({ prompt: x.prompt, outcomes: x.outcomes }));
}

export function artifactSet(records: readonly ArtifactRecord[]): ArtifactSet {
  return new Map(records.map((r) => [r.name, r]));
}

/** Trained on a small slice with a smaller vocabulary, so a test file trains in a few seconds; `prices` add the agreement ladders. */
export function trainSmall(examples: readonly RoutingExample[], prices?: ReadonlyMap<string, Prices>): ArtifactRecord[] {
  return train(asTraining(examples), {
    version: 1,
    createdAt: '2025-01-01T00:00:00.000Z',
    ...(prices ? { prices } : {}),
    featurizer: { vocabulary: { minDf: 3, maxDfRatio: 0.5, maxTerms: 3000 }, dims: 32, seed: 7 },
  });
}

/** An expert's answer with nothing but its text: what votes, stackers and cascades read. */
export function answered(expertId: string, text: string): ExpertAnswer {
  return { expertId, text, usage: { promptTokens: 1, completionTokens: 1 }, costUsd: 0, latencyMs: 0 };
}
