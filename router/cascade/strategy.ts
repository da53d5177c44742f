import { buildAggregators } from '../aggregate/index';
import type { Aggregator } from '../aggregate/types';
import { answerReader } from '../answers/read';
import type { ArtifactSet } from '../artifacts';
import { logitOf, sigmoid } from '../learned/logreg';
import { loadRouterModels, parseArtifact } from '../learned/models';
import { affordable, rankCandidates } from '../learned/select';
import { costUnitUsd, notTrained, round, scoreByUtility, voteWeight, type UtilityScore } from '../learned/strategy';
import type { RoutingPolicy } from '../policy';
import { optionEvidence } from '../stacker/options';
import { StackedVote } from '../stacker/vote';
import type { Candidate, ExpertAnswer, ExpertProfile, RouteRequest, RoutingDecision, RoutingStrategy } from '../types';
import { agreementDecision, loadAgreementLadders } from './agreement-strategy';
import { ANSWER_CONFIDENCE_ARTIFACT, AnswerConfidence } from './answer-confidence';
import { choicePosterior, choiceProbability, EFFECTIVE_OPTIONS, type Vote } from './posterior';

// `cascade` (FrugalGPT): a ladder of experts from cheap to strong, planned from the prompt. The
// first `quorum` rungs are called together; after each stage the answers so far say how likely
// the answer the policy would return now is right (agreement between experts, each answer's
// confidence from its text, the prompt-only prediction, what the option prior says of the choice
// it names; or the stacked vote's posterior, per `stop_on`), and the next stage is called only when
// the experts ahead could still change that answer and the strongest of them is more likely right
// by more than λ · the next stage's cost (relative to the pool's reference cost, as in `learned`).
// What the policy would return now is the aggregator's own forecast (router/aggregate), never a
// copy of its rules here. Where training found the agreement ladder more accurate within the
// policy's `cost_budget` (free-form answer pools, where wrong answers rarely coincide), the cascade
// runs that ladder instead (router/cascade/agreement-strategy.ts).

export const DEFAULT_CASCADE_LAMBDA = 0.0275;
/** Rungs of the ladder when the policy sets no k. */
export const DEFAULT_CASCADE_STAGES = 3;
/** λ used to pick the cheap rungs: cost-effective experts, whatever the policy's own λ. */
const CHEAP_RUNG_LAMBDA = 0.165;

export function createCascadeStrategy(artifacts: ArtifactSet, aggregators: ReadonlyMap<string, Aggregator> = buildAggregators({ artifacts })): RoutingStrategy {
  const models = loadRouterModels(artifacts);
  const record = artifacts.get(ANSWER_CONFIDENCE_ARTIFACT);
  const confidence = record ? parseArtifact(record, AnswerConfidence.fromArtifact) : null;
  const stacked = StackedVote.load(artifacts);
  const ladders = loadAgreementLadders(artifacts);
  return {
    name: 'cascade',
    decide(req: RouteRequest, experts: ExpertProfile[], policy: RoutingPolicy): RoutingDecision {
      if (!models) throw notTrained('cascade');
      if (ladders && policy.cost_budget !== undefined && ladders.preferredAt.includes(policy.cost_budget)) {
        const decision = agreementDecision(models, ladders, req, experts, policy);
        return { ...decision, strategy: 'cascade', info: { ...decision.info, ladder_mode: 'agreement' } };
      }
      const lambda = policy.lambda ?? DEFAULT_CASCADE_LAMBDA;
      const usable = experts.filter((e) => affordable(e, req.prompt, policy));
      const reference = costUnitUsd(models, req.prompt, experts);
      const scores = scoreByUtility(models, req.prompt, usable.length ? usable : experts, lambda, reference);
      const ladder = planLadder(scores, policy.k ?? DEFAULT_CASCADE_STAGES).map((id) => candidate(id, scores.get(id)!));
      const stages = stagesOf(ladder, policy.quorum ?? 1);
      const ranked = rankCandidates([...scores].map(([id, s]) => candidate(id, s)));
      const weights = new Map([...scores].map(([id, s]) => [id, voteWeight(s.p)]));
      const pOf = (expertId: string) => scores.get(expertId)?.p ?? models.predictor.coldStart;
      let options: readonly number[] | null = null;
      const read = answerReader(req.prompt);
      const vote = (a: ExpertAnswer): Vote => {
        const p = pOf(a.expertId);
        const choice = read(a.text);
        // Evidence adds as log-odds: the prompt's, the answer text's, and what the options' own
        // texts say of the choice it names (the option prior, fitted with the stacked vote).
        options ??= stacked ? stacked.optionScores(req.prompt) : [];
        const logit = logitOf(confidence ? confidence.combined(a.expertId, a.text, choice !== null, p) : p) + optionEvidence(options, choice);
        return { choice, p: sigmoid(logit) };
      };
      const stopOnStacked = stacked !== null && (policy.stop_on ?? (policy.aggregate === 'stacked-vote' ? 'stacked' : 'vote')) === 'stacked';
      const forecaster = stopRule(aggregators, policy, stopOnStacked);
      /** P(the answer the policy would return now is right); null when the experts ahead could not change it. */
      const sureNow = (answers: ExpertAnswer[], ahead: string[]): number | null => {
        const ballots = answers.map((a) => ({ expertId: a.expertId, choice: read(a.text), text: a.text }));
        const forecast = forecaster?.forecast({ prompt: req.prompt, ballots, weights, competence: weights, promptP: pOf, ahead }) ?? null;
        if (forecast?.settled) return null;
        if (forecast && forecast.answer === null) return 0; // a missing answer is never right
        if (forecast?.p !== undefined) return forecast.p;
        // Unforeseeable aggregations (synthesis, judges) are scored on the most likely choice.
        const votes = answers.map(vote);
        return choiceProbability(votes, forecast ? forecast.answer : choicePosterior(votes, EFFECTIVE_OPTIONS).choice, EFFECTIVE_OPTIONS);
      };
      const escalate = (answers: ExpertAnswer[], stageIndex: number): boolean => {
        const ahead = stages.slice(stageIndex + 1);
        if (ahead.length === 0) return false;
        const now = sureNow(
          answers,
          ahead.flat().map((c) => c.expertId),
        );
        if (now === null) return false; // the experts ahead could not change the vote
        // A second opinion weaker than the first is worth its price for what it unlocks (agreement
        // settles the question, disagreement calls the strong rung), so the gain is measured
        // against the strongest expert still ahead, the cost is the next stage's.
        const gain = Math.max(...ahead.flat().map((c) => pOf(c.expertId))) - now;
        const cost = ahead[0]!.reduce((s, c) => s + scores.get(c.expertId)!.cost, 0);
        return gain > lambda * cost;
      };
      return {
        strategy: 'cascade',
        ranked,
        stages,
        escalate,
        info: {
          lambda,
          cost_unit_usd: round(reference, 8),
          artifacts: models.versions,
          answer_confidence: confidence !== null,
          stacked_vote: stacked !== null,
          stop_on: stopOnStacked ? 'stacked' : 'vote',
        },
      };
    },
  };
}

/**
 * The ladder: the most cost-effective experts (by P − 0.165·cost, so a cheap strong expert and a
 * cheap second opinion) cheapest first, then the strongest expert by P. Each rung is a distinct expert.
 */
export function planLadder(scores: ReadonlyMap<string, UtilityScore>, rungs: number): string[] {
  const s = (id: string) => scores.get(id)!;
  const byId = (a: string, b: string) => (a < b ? -1 : 1);
  const strongest = [...scores.keys()].sort((a, b) => s(b).p - s(a).p || byId(a, b))[0]!;
  const value = (id: string) => s(id).p - CHEAP_RUNG_LAMBDA * s(id).cost;
  const cheap = [...scores.keys()]
    .filter((id) => id !== strongest)
    .sort((a, b) => value(b) - value(a) || byId(a, b))
    .slice(0, rungs - 1)
    .sort((a, b) => s(a).costUsd - s(b).costUsd || byId(a, b));
  return [...cheap, strongest];
}

/**
 * The ladder as stages: the first `quorum` rungs together (the answers the policy needs before
 * it may stop, called in parallel), then one rung per stage.
 */
export function stagesOf<T>(ladder: readonly T[], quorum: number): T[][] {
  const together = Math.max(1, Math.min(quorum, ladder.length));
  return [ladder.slice(0, together), ...ladder.slice(together).map((rung) => [rung])];
}

/**
 * The aggregator whose forecast the stopping rule reads: the stacked vote when the cascade stops on
 * its posterior (`stop_on: stacked`), else the policy's own, with a refinement of the vote (the
 * stacked vote) counted as the vote it refines so that the overturn check applies. None for an
 * aggregation the registry lacks (then the most likely choice is scored).
 */
function stopRule(aggregators: ReadonlyMap<string, Aggregator>, policy: RoutingPolicy, stopOnStacked: boolean): Aggregator | undefined {
  if (stopOnStacked) return aggregators.get('stacked-vote');
  const own = aggregators.get(policy.aggregate);
  return own?.refines ? aggregators.get(own.refines) : own;
}

/** A rung, with its vote weight for a weighted vote over the stages reached. */
function candidate(expertId: string, s: UtilityScore): Candidate {
  return { expertId, score: s.utility, detail: { p: round(s.p), cost_usd: round(s.costUsd, 8), weight: voteWeight(s.p) } };
}
