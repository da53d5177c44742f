import { estimateCostUsd, tokensOf } from '../cost';
import { hashString, seededRandom } from '../features/random';
import type { RoutingPolicy } from '../policy';
import type { Candidate, ExpertProfile } from '../types';

// Turning scored experts into the experts to call: best first, k of them, never more than the
// policy's cost cap allows (estimated exactly as the pipeline's budget does, so what is chosen is
// what gets called), deterministic by default or sampled when the policy asks.

/** Softmax temperature over min-max-normalised scores when sampling. */
const SAMPLE_TEMPERATURE = 0.1;

/**
 * Best score first. Equal scores are equal evidence: the cheaper expected call (`costUsd`, for a
 * strategy whose score leaves cost out) goes first, then the id, so a tie never favours a dearer
 * expert for its name.
 */
export function rankCandidates(candidates: Candidate[], costUsd?: ReadonlyMap<string, number>): Candidate[] {
  const cost = (c: Candidate) => costUsd?.get(c.expertId) ?? 0;
  return candidates.sort((a, b) => b.score - a.score || cost(a) - cost(b) || (a.expertId < b.expertId ? -1 : 1));
}

/** Whether the expert's estimated cost fits the cap on its own (an expert over budget is never chosen). */
export function affordable(expert: ExpertProfile, prompt: string, policy: RoutingPolicy): boolean {
  return policy.max_cost_usd === undefined || estimateCostUsd(expert, tokensOf(prompt)) <= policy.max_cost_usd;
}

export function chooseExperts(
  ranked: readonly Candidate[],
  experts: readonly ExpertProfile[],
  policy: RoutingPolicy,
  prompt: string,
  defaultK: number,
): Candidate[] {
  const k = policy.k ?? defaultK;
  const byId = new Map(experts.map((e) => [e.id, e]));
  const pool = policy.sample ? sampleOrder(ranked, prompt) : ranked;
  const promptTokens = tokensOf(prompt);
  const chosen: Candidate[] = [];
  let planned = 0;
  for (const c of pool) {
    if (chosen.length === k) break;
    const expert = byId.get(c.expertId);
    if (!expert) continue;
    const cost = estimateCostUsd(expert, promptTokens);
    if (policy.max_cost_usd !== undefined && planned + cost > policy.max_cost_usd) continue;
    planned += cost;
    chosen.push(c);
  }
  return chosen;
}

/**
 * The candidates in a random order drawn without replacement with probability ∝ softmax of their
 * normalised score. Seeded by the prompt so a decision can be replayed and tested.
 */
function sampleOrder(ranked: readonly Candidate[], prompt: string): Candidate[] {
  if (ranked.length < 2) return [...ranked];
  const max = ranked[0]!.score;
  const min = ranked[ranked.length - 1]!.score;
  const span = max - min || 1;
  const rand = seededRandom(hashString(prompt));
  const left = ranked.map((c) => ({ c, w: Math.exp((c.score - max) / span / SAMPLE_TEMPERATURE) }));
  const out: Candidate[] = [];
  while (left.length) {
    let r = rand() * left.reduce((s, x) => s + x.w, 0);
    let i = 0;
    while (i < left.length - 1 && (r -= left[i]!.w) > 0) i++;
    out.push(left.splice(i, 1)[0]!.c);
  }
  return out;
}
