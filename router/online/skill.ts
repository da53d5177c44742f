import type { Featurizer, PromptFeatures } from '../features/featurizer';
import { lexiconOf, localKeywords } from '../skill/keywords';
import { SkillProfiles, type SkillArtifact } from '../skill/profiles';
import type { TrainingExample } from '../train';

// Symbolic-MoE profiles are counts, so they learn by addition: +1 / −1 on the prompt's keywords for
// each labelled outcome, exactly what training from scratch on old and new outcomes would give.

const INT16_MAX = 32767;

export function updateSkillProfiles(
  data: unknown,
  examples: readonly TrainingExample[],
  features: readonly PromptFeatures[],
  featurizer: Featurizer,
): SkillArtifact {
  const old = SkillProfiles.fromArtifact(data);
  const experts = [...old.experts, ...newExperts(old.experts, examples)];
  const width = old.keywords.length;
  const profile = new Int16Array(experts.length * width);
  profile.set(old.profile);
  const lexicon = lexiconOf(old.keywords, featurizer);
  const row = new Map(experts.map((id, e) => [id, e]));
  examples.forEach((x, i) => {
    const keywords = localKeywords(features[i]!.sparse, lexicon);
    for (const [expertId, o] of Object.entries(x.outcomes)) {
      const base = row.get(expertId)! * width;
      for (const k of keywords) profile[base + k] = Math.max(-INT16_MAX - 1, Math.min(INT16_MAX, profile[base + k]! + (o.correct ? 1 : -1)));
    }
  });
  return new SkillProfiles(experts, old.keywords, profile).toArtifact();
}

/** Experts with outcomes that the artifact has no row for, in order of first appearance. */
export function newExperts(known: readonly string[], examples: readonly TrainingExample[]): string[] {
  const seen = new Set(known);
  const out: string[] = [];
  for (const x of examples)
    for (const id of Object.keys(x.outcomes))
      if (!seen.has(id)) {
        seen.add(id);
        out.push(id);
      }
  return out;
}
