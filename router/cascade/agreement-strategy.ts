import { answerReader } from '../answers/read';
import type { ArtifactSet } from '../artifacts';
import { callCostUsd } from '../cost';
import { relativeCost } from '../learned/expert-stats';
import { loadRouterModels, parseArtifact, type RouterModels } from '../learned/models';
import { affordable, chooseExperts, rankCandidates } from '../learned/select';
import { costUnitUsd, notTrained, round, scoreByUtility, voteWeight } from '../learned/strategy';
import type { RoutingPolicy } from '../policy';
import { comparesAnswers } from '../prompt-policy';
import type { Candidate, ExpertAnswer, ExpertProfile, RouteRequest, RoutingDecision, RoutingStrategy } from '../types';
import { AGREEMENT_LADDER_ARTIFACT, agreementLadderSchema, answerKind, type AgreementLadders, type Ladder } from './agreement-ladder';
import { allocateLadders, type ChosenLadder, expectedCost, type RungCost } from './ladder-budget';
import { stagesOf } from './strategy';

// `agreement`: the agreement ladder learned at train time (router/cascade/agreement-ladder.ts).
// The first two rungs are called together, each next rung only while no two answers agree; the
// policy's vote then returns the agreed answer, or with none the most accurate expert's (each
// rung's vote weight is its training accuracy's log-odds, so ties break as the search assumed).
// Which ladder: the most accurate trained one whose experts are all eligible and whose expected
// cost (each rung's expected call cost at the registry's prices, times how often training reached
// it) is within the policy's `cost_budget`, relative to the pool's reference cost; where training
// learned ladders per answer kind, the one the budget's split across the kinds gives this prompt's
// kind (router/cascade/ladder-budget.ts).

/** Budget when the policy sets none: never dearer than the pool's most accurate expert. */
export const DEFAULT_COST_BUDGET = 1;

export function loadAgreementLadders(artifacts: ArtifactSet): AgreementLadders | null {
  const record = artifacts.get(AGREEMENT_LADDER_ARTIFACT);
  return record ? parseArtifact(record, (data) => agreementLadderSchema.parse(data)) : null;
}

export function createAgreementStrategy(artifacts: ArtifactSet): RoutingStrategy {
  const models = loadRouterModels(artifacts);
  const trained = loadAgreementLadders(artifacts);
  return {
    name: 'agreement',
    decide(req: RouteRequest, experts: ExpertProfile[], policy: RoutingPolicy): RoutingDecision {
      if (!models || !trained) throw notTrained('agreement');
      return agreementDecision(models, trained, req, experts, policy);
    },
  };
}

/** The ladder's decision; shared with a cascade whose training found the ladder better at its budget. */
export function agreementDecision(
  models: RouterModels,
  trained: AgreementLadders,
  req: RouteRequest,
  experts: ExpertProfile[],
  policy: RoutingPolicy,
): RoutingDecision {
  const budget = policy.cost_budget ?? DEFAULT_COST_BUDGET;
  const usable = new Map(experts.filter((e) => affordable(e, req.prompt, policy)).map((e) => [e.id, e]));
  const reference = costUnitUsd(models, req.prompt, experts);
  const rungCost: RungCost = (id, tokens) => {
    const e = usable.get(id);
    return e ? relativeCost(callCostUsd(e, { promptTokens: tokens.prompt, completionTokens: tokens.completion }), reference) : null;
  };
  const kind = answerKind(req.prompt);
  const ofKind = trained.byKind.some((k) => k.kind === kind);
  const ladder = ofKind ? (allocateLadders(trained.byKind, budget, rungCost)?.get(kind!) ?? null) : chooseLadder(trained.ladders, budget, rungCost);
  const info = { cost_budget: budget, cost_unit_usd: round(reference, 8), artifacts: models.versions, ...(ofKind ? { ladder_kind: kind } : {}) };
  const scores = scoreByUtility(models, req.prompt, experts, policy.lambda ?? 0, reference);
  const ranked = rankCandidates(
    experts.map((e): Candidate => {
      const s = scores.get(e.id)!;
      // The vote's weight and tie-break: the expert's training accuracy, as the search replayed it.
      const weight = voteWeight(models.stats.accuracy(e.id) ?? s.p);
      return { expertId: e.id, score: s.utility, detail: { p: round(s.p), cost_usd: round(s.costUsd, 8), weight } };
    }),
  );
  const byId = new Map(ranked.map((c) => [c.expertId, c]));
  if (!ladder) {
    // No trained ladder fits the budget or the eligible experts: the expert most likely right whose
    // expected call fits the budget, else the cheapest (a cost cap leaving none: the pipeline refuses).
    const within = [...usable.keys()].map((id) => [id, scores.get(id)!] as const);
    const fits = within.filter(([, sc]) => sc.cost <= budget);
    const pick = fits.length
      ? fits.reduce((a, b) => (b[1].p > a[1].p ? b : a))
      : within.reduce<(typeof within)[number] | null>((a, b) => (a === null || b[1].cost < a[1].cost ? b : a), null);
    const stage = pick ? [byId.get(pick[0])!] : chooseExperts(ranked, experts, { ...policy, k: 1 }, req.prompt, 1);
    return { strategy: 'agreement', ranked, stages: [stage], info: { ...info, ladder: null } };
  }
  const stages = stagesOf(
    ladder.ladder.experts.map((id) => byId.get(id)!),
    2,
  );
  const read = answerReader(req.prompt);
  const escalate = (answers: ExpertAnswer[]): boolean => !agreed(answers.map((a) => read(a.text)));
  return {
    strategy: 'agreement',
    ranked,
    stages,
    escalate,
    // The search replayed a plain vote (the agreed answer, else the most accurate expert's); a
    // synthesis or judge over the ladder's answers stays the policy's.
    ...(comparesAnswers(policy.aggregate) ? { aggregate: 'vote' as const } : {}),
    info: { ...info, ladder: ladder.ladder.experts, expected_cost: round(ladder.cost), training_accuracy: round(ladder.ladder.accuracy) },
  };
}

/** Whether two stated answers agree. */
export function agreed(keys: readonly (string | null)[]): boolean {
  const seen = new Set<string>();
  for (const k of keys) {
    if (k === null) continue;
    if (seen.has(k)) return true;
    seen.add(k);
  }
  return false;
}

/** The most accurate ladder whose expected cost (`expectedCost`) is within the budget; null when none is. */
export function chooseLadder(ladders: readonly Ladder[], budget: number, callCost: RungCost): ChosenLadder | null {
  let best: ChosenLadder | null = null;
  for (const ladder of ladders) {
    const cost = expectedCost(ladder, callCost);
    if (cost !== null && cost <= budget && (best === null || ladder.accuracy > best.ladder.accuracy)) best = { ladder, cost };
  }
  return best;
}
