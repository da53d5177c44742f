import type { ArtifactSet } from '../../../router/artifacts';
import { SKILL_ARTIFACT, SkillProfiles } from '../../../router/skill/profiles';
import { HeatMap } from '../svg';

export const HEATMAP_KEYWORDS = 24;

export interface SkillMatrix {
  version: number;
  experts: string[];
  keywords: string[];
  /** experts × keywords: #correct − #wrong on training questions tagged with the keyword. */
  values: number[][];
}

/**
 * The keywords that tell experts apart most (widest spread of profile values across experts), so a
 * lexicon of thousands fits a screen and still shows where experts differ.
 */
export function skillMatrix(artifacts: ArtifactSet, maxKeywords = HEATMAP_KEYWORDS): SkillMatrix | { error: string } | null {
  const record = artifacts.get(SKILL_ARTIFACT);
  if (!record) return null;
  let profiles: SkillProfiles;
  try {
    profiles = SkillProfiles.fromArtifact(record.data);
  } catch (e) {
    return { error: `${SKILL_ARTIFACT} v${record.version} cannot be read: ${e instanceof Error ? e.message : String(e)}` };
  }
  const nk = profiles.keywords.length;
  const at = (e: number, k: number) => profiles.profile[e * nk + k]!;
  const spread = profiles.keywords.map((_, k) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let e = 0; e < profiles.experts.length; e++) {
      lo = Math.min(lo, at(e, k));
      hi = Math.max(hi, at(e, k));
    }
    return { k, spread: hi - lo };
  });
  const chosen = spread
    .sort((a, b) => b.spread - a.spread || a.k - b.k)
    .slice(0, maxKeywords)
    .map((s) => s.k);
  return {
    version: record.version,
    experts: [...profiles.experts],
    keywords: chosen.map((k) => profiles.keywords[k]!),
    values: profiles.experts.map((_, e) => chosen.map((k) => at(e, k))),
  };
}

export function SkillHeatMap(props: { matrix: ReturnType<typeof skillMatrix> }) {
  const m = props.matrix;
  if (m === null) {
    return (
      <p class="notice">
        No skill profiles yet: the <code>{SKILL_ARTIFACT}</code> router artifact has not been trained. Train it with{' '}
        <code>npx tsx scripts/train-artifacts.ts</code> and seed it, or wait for the cron job to train it from routing history.
      </p>
    );
  }
  if ('error' in m) return <p class="notice bad">{m.error}</p>;
  return (
    <figure>
      <figcaption>
        Skill profiles ({SKILL_ARTIFACT} v{m.version}): {m.experts.length} experts × the {m.keywords.length} keywords that separate them most
      </figcaption>
      <HeatMap
        id="skills"
        title="Skill profiles heat map"
        desc={`Rows are experts, columns are keywords; blue cells mean the expert answered questions tagged with that keyword correctly more often than not, red the opposite. Keywords shown: ${m.keywords.join(', ')}.`}
        rows={m.experts}
        cols={m.keywords}
        values={m.values}
        diverging
        format={(n) => `${n > 0 ? '+' : ''}${Math.round(n)}`}
        rowHeader="expert"
        colHeader="keyword"
      />
      <p class="muted">Cell value: correct minus wrong answers on training questions tagged with the keyword. Hover a cell for its value.</p>
    </figure>
  );
}
