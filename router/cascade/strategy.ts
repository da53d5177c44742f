import { extractChoice } from '../aggregate/offline';
import type { ArtifactSet } from '../artifacts';
import { loadRouterModels, parseArtifact } from '../learned/models';
import { affordable, rankCandidates } from '../learned/select';
import { notTrained, round, scoreByUtility, type UtilityScore } from '../learned/strategy';
import type { RoutingPolicy } from '../policy';
import type { Candidate, ExpertAnswer, ExpertProfile, RouteRequest, RoutingDecision, RoutingStrategy } from '../types';
import { ANSWER_CONFIDENCE_ARTIFACT, AnswerConfidence } from './answer-confidence';
import { choicePosterior, OPTIONS } from './posterior';

// `cascade` (FrugalGPT): a ladder of experts from cheap to strong, planned from the prompt. After
// each stage the answers so far give a posterior on their best choice (agreement between experts,
// each answer's confidence from its text, the prompt-only prediction); the next stage is called
// only when its expected accuracy gain is worth its cost: gain > λ · cost per 1k queries.

export const DEFAULT_CASCADE_LAMBDA = 0.05;
/** Rungs of the ladder when the policy sets no k. */
export const DEFAULT_CASCADE_STAGES = 3;
/** λ used to pick the cheap rungs: cost-effective experts, whatever the policy's own λ. */
const CHEAP_RUNG_LAMBDA = 0.3;

export function createCascadeStrategy(artifacts: ArtifactSet): RoutingStrategy {
  const models = loadRouterModels(artifacts);
  const record = artifacts.get(ANSWER_CONFIDENCE_ARTIFACT);
  const confidence = record ? parseArtifact(record, AnswerConfidence.fromArtifact) : null;
  return {
    name: 'cascade',
    decide(req: RouteRequest, experts: ExpertProfile[], policy: RoutingPolicy): RoutingDecision {
      if (!models) throw notTrained('cascade');
      const lambda = policy.lambda ?? DEFAULT_CASCADE_LAMBDA;
      const usable = experts.filter((e) => affordable(e, req.prompt, policy));
      const scores = scoreByUtility(models, req.prompt, usable.length ? usable : experts, lambda);
      const stages = planLadder(scores, policy.k ?? DEFAULT_CASCADE_STAGES).map((id) => [candidate(id, scores.get(id)!)]);
      const ranked = rankCandidates([...scores].map(([id, s]) => candidate(id, s)));
      const confidenceOf = (a: ExpertAnswer) => {
        const p = scores.get(a.expertId)?.p ?? models.predictor.coldStart;
        return confidence ? confidence.combined(a.expertId, a.text, p) : p;
      };
      const escalate = (answers: ExpertAnswer[], stageIndex: number): boolean => {
        const next = stages[stageIndex + 1];
        if (!next) return false;
        const now = choicePosterior(answers.map((a) => ({ choice: extractChoice(a.text), p: confidenceOf(a) })));
        // A second opinion weaker than the first is worth its price for what it unlocks (agreement
        // settles the question, disagreement calls the strong rung), so the gain is measured
        // against the strongest expert still ahead, the cost is the next stage's.
        const ahead = stages.slice(stageIndex + 1).flat();
        const gain = Math.max(...ahead.map((c) => scores.get(c.expertId)!.p)) - now.p;
        const cost = next.reduce((s, c) => s + scores.get(c.expertId)!.costUsd, 0);
        return gain > lambda * cost * 1000;
      };
      return { strategy: 'cascade', ranked, stages, escalate, info: { lambda, artifacts: models.versions, answer_confidence: confidence !== null } };
    },
  };
}

/**
 * The ladder: the most cost-effective experts first (by P − 0.3·cost, so a cheap strong expert
 * leads and a second opinion follows), then the strongest by P; each rung a distinct expert.
 */
export function planLadder(scores: ReadonlyMap<string, UtilityScore>, rungs: number): string[] {
  const ids = [...scores.keys()];
  const cheap = (id: string) => scores.get(id)!.p - CHEAP_RUNG_LAMBDA * scores.get(id)!.costUsd * 1000;
  const byValue = [...ids].sort((a, b) => cheap(b) - cheap(a) || (a < b ? -1 : 1));
  const byP = [...ids].sort((a, b) => scores.get(b)!.p - scores.get(a)!.p || (a < b ? -1 : 1));
  const ladder = byValue.slice(0, Math.min(2, rungs - 1));
  for (const id of byP) {
    if (ladder.length >= rungs) break;
    if (!ladder.includes(id)) ladder.push(id);
  }
  return ladder;
}

/** A rung: its vote weight is the log-odds of being right against the other options. */
function candidate(expertId: string, s: UtilityScore): Candidate {
  const p = Math.min(0.999, Math.max(0.001, s.p));
  return { expertId, score: s.utility, detail: { p: round(s.p), cost_usd: round(s.costUsd, 8), weight: round(Math.log((p * (OPTIONS - 1)) / (1 - p))) } };
}
