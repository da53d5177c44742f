import { z } from 'zod';
import { decodeInt16, encodeInt16 } from '../features/codec';
import { UNKNOWN, type LabelMatrix } from '../learned/labels';

// Symbolic-MoE expert profiles (arXiv 2503.05641): profile[m][kw] = #correct − #wrong of model m
// on training questions tagged kw; global competence g_m from the profile sums, shifted positive,
// sharpened with temperature 0.5 and normalised; local suitability s_m(q) = Σ_{kw ∈ q} profile[m][kw].

export const SKILL_ARTIFACT = 'skill-profiles';

export const COMPETENCE_TEMPERATURE = 0.5;

export const skillArtifactSchema = z.object({
  experts: z.array(z.string()),
  keywords: z.array(z.string()),
  /** experts × keywords int16 (clamped), base64. */
  profile: z.string(),
});
export type SkillArtifact = z.infer<typeof skillArtifactSchema>;

export class SkillProfiles {
  readonly competence: Float64Array;
  private readonly indexOf: ReadonlyMap<string, number>;

  constructor(
    readonly experts: readonly string[],
    readonly keywords: readonly string[],
    /** experts × keywords */
    readonly profile: Int16Array,
  ) {
    this.indexOf = new Map(experts.map((id, i) => [id, i]));
    this.competence = globalCompetence(profile, experts.length, keywords.length);
  }

  has(expertId: string): boolean {
    return this.indexOf.has(expertId);
  }

  /** s_m(q): the expert's summed profile over the query's keywords (0 for an unknown expert). */
  suitability(expertId: string, keywordIdx: readonly number[]): number {
    const e = this.indexOf.get(expertId);
    if (e === undefined) return 0;
    let s = 0;
    for (const k of keywordIdx) s += this.profile[e * this.keywords.length + k]!;
    return s;
  }

  /** g_m, or the mean competence for an expert the profiles never saw. */
  globalCompetence(expertId: string): number {
    const e = this.indexOf.get(expertId);
    return e === undefined ? 1 / Math.max(1, this.experts.length) : this.competence[e]!;
  }

  toArtifact(): SkillArtifact {
    return { experts: [...this.experts], keywords: [...this.keywords], profile: encodeInt16(this.profile) };
  }

  static fromArtifact(data: unknown): SkillProfiles {
    const a = skillArtifactSchema.parse(data);
    const profile = decodeInt16(a.profile);
    if (profile.length !== a.experts.length * a.keywords.length) throw new Error(`${SKILL_ARTIFACT}: profile size does not match its shape`);
    return new SkillProfiles(a.experts, a.keywords, profile);
  }
}

/** Builds profiles from each training prompt's keyword tags and the recorded outcomes. */
export function trainSkillProfiles(tags: readonly (readonly number[])[], labels: LabelMatrix, keywords: readonly string[]): SkillProfiles {
  const m = labels.experts.length;
  const profile = new Int16Array(m * keywords.length);
  tags.forEach((kws, i) => {
    for (let e = 0; e < m; e++) {
      const y = labels.values[i * m + e]!;
      if (y === UNKNOWN) continue;
      for (const k of kws) {
        const at = e * keywords.length + k;
        profile[at] = Math.max(-32768, Math.min(32767, profile[at]! + (y ? 1 : -1)));
      }
    }
  });
  return new SkillProfiles(labels.experts, keywords, profile);
}

function globalCompetence(profile: Int16Array, experts: number, keywords: number): Float64Array {
  const sums = Float64Array.from({ length: experts }, (_, e) => {
    let s = 0;
    for (let k = 0; k < keywords; k++) s += profile[e * keywords + k]!;
    return s;
  });
  // Shift so the weakest expert is slightly above zero, then sharpen: g ∝ shifted^(1/T).
  const min = Math.min(...sums);
  const max = Math.max(...sums);
  const span = max - min || 1;
  const sharpened = sums.map((s) => ((s - min) / span + 1e-3) ** (1 / COMPETENCE_TEMPERATURE));
  const total = sharpened.reduce((a, b) => a + b, 0);
  return sharpened.map((s) => s / total);
}
