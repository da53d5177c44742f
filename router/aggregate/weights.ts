import type { Candidate, RoutingDecision } from '../types';

// Per-expert confidence from the routing decision, for `weighted-vote` weights and for breaking
// vote ties. Strategies report it differently, so the first of these that every answering expert
// has is used:
//   detail.weight      an explicit vote weight a strategy attached;
//   detail.p           the learned router's predicted P(correct);
//   detail.competence  the skill router's competence for the prompt's skills;
//   score              anything else (e.g. utility P − λ·cost, which may be negative), min-max
//                      normalised onto [0.5, 1] so no expert's vote counts for nothing.
// Equal scores, or no decision entry at all, give equal weights of 1.

const DETAIL_KEYS = ['weight', 'p', 'competence'] as const;

export function expertWeights(decision: RoutingDecision, expertIds: readonly string[]): Map<string, number> {
  const byId = new Map(decision.ranked.map((c) => [c.expertId, c]));
  const candidates = expertIds.map((id) => byId.get(id));
  const present = candidates.filter((c): c is Candidate => c !== undefined);
  if (present.length < expertIds.length) return scoreWeights(expertIds, present);

  for (const key of DETAIL_KEYS) {
    const values = present.map((c) => c.detail?.[key]);
    if (values.every((v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
      return new Map(expertIds.map((id, i) => [id, values[i]!]));
    }
  }
  return scoreWeights(expertIds, present);
}

/** Min-max normalised scores on [0.5, 1]; experts missing from the decision get the lowest weight. */
function scoreWeights(expertIds: readonly string[], present: readonly Candidate[]): Map<string, number> {
  const scores = present.map((c) => c.score);
  const min = Math.min(...scores);
  const max = Math.max(...scores);
  if (!(max > min)) return new Map(expertIds.map((id) => [id, 1]));
  const byId = new Map(present.map((c) => [c.expertId, 0.5 + (0.5 * (c.score - min)) / (max - min)]));
  return new Map(expertIds.map((id) => [id, byId.get(id) ?? 0.5]));
}
