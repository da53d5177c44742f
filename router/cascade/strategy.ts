import { countVotes, type VoteOutcome } from '../aggregate/tally';
import { answerReader } from '../answers/read';
import type { ArtifactSet } from '../artifacts';
import { logitOf, sigmoid } from '../learned/logreg';
import { loadRouterModels, parseArtifact } from '../learned/models';
import { affordable, rankCandidates } from '../learned/select';
import { notTrained, round, scoreByUtility, voteWeight, type UtilityScore } from '../learned/strategy';
import type { AggregationName, RoutingPolicy } from '../policy';
import { optionEvidence } from '../stacker/options';
import { stackAnswersOf, StackedVote } from '../stacker/vote';
import type { Candidate, ExpertAnswer, ExpertProfile, RouteRequest, RoutingDecision, RoutingStrategy } from '../types';
import { ANSWER_CONFIDENCE_ARTIFACT, AnswerConfidence } from './answer-confidence';
import { choicePosterior, choiceProbability, EFFECTIVE_OPTIONS, type Vote } from './posterior';

// `cascade` (FrugalGPT): a ladder of experts from cheap to strong, planned from the prompt. The
// first `quorum` rungs are called together; after each stage the answers so far say how likely
// the answer the policy would return now is right (agreement between experts, each answer's
// confidence from its text, the prompt-only prediction, what the option prior says of the choice
// it names; or the stacked vote's posterior, per `stop_on`), and the next stage is called only when
// the experts ahead could still change that answer and the strongest of them is more likely right
// by more than λ · the next stage's cost per 1k queries.

export const DEFAULT_CASCADE_LAMBDA = 0.05;
/** Rungs of the ladder when the policy sets no k. */
export const DEFAULT_CASCADE_STAGES = 3;
/** λ used to pick the cheap rungs: cost-effective experts, whatever the policy's own λ. */
const CHEAP_RUNG_LAMBDA = 0.3;

export function createCascadeStrategy(artifacts: ArtifactSet): RoutingStrategy {
  const models = loadRouterModels(artifacts);
  const record = artifacts.get(ANSWER_CONFIDENCE_ARTIFACT);
  const confidence = record ? parseArtifact(record, AnswerConfidence.fromArtifact) : null;
  const stacked = StackedVote.load(artifacts);
  return {
    name: 'cascade',
    decide(req: RouteRequest, experts: ExpertProfile[], policy: RoutingPolicy): RoutingDecision {
      if (!models) throw notTrained('cascade');
      const lambda = policy.lambda ?? DEFAULT_CASCADE_LAMBDA;
      const usable = experts.filter((e) => affordable(e, req.prompt, policy));
      const scores = scoreByUtility(models, req.prompt, usable.length ? usable : experts, lambda);
      const ladder = planLadder(scores, policy.k ?? DEFAULT_CASCADE_STAGES).map((id) => candidate(id, scores.get(id)!));
      const stages = stagesOf(ladder, policy.quorum ?? 1);
      const ranked = rankCandidates([...scores].map(([id, s]) => candidate(id, s)));
      const weights = new Map([...scores].map(([id, s]) => [id, voteWeight(s.p)]));
      const pOf = (expertId: string) => scores.get(expertId)?.p ?? models.predictor.coldStart;
      let options: number[] | null = null;
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
      // The vote rule counts a stacked vote as the weighted vote it refines (so the overturn check
      // applies), as does the aggregator itself without a fitted stacker.
      const aggregate = policy.aggregate === 'stacked-vote' && !stopOnStacked ? 'weighted-vote' : policy.aggregate;
      /** P(the answer the policy would return now is right). */
      const sureNow = (answers: ExpertAnswer[], ahead: string[]): number | null => {
        if (stopOnStacked) {
          const outcome = stacked!.decide(req.prompt, stackAnswersOf(req.prompt, answers), pOf);
          return outcome.choice === null ? 0 : outcome.p;
        }
        const votes = answers.map(vote);
        if (!canOverturn(aggregate, answers, votes, weights, ahead)) return null;
        return choiceProbability(votes, returnedChoice(aggregate, answers, votes, weights), EFFECTIVE_OPTIONS);
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
        const cost = ahead[0]!.reduce((s, c) => s + scores.get(c.expertId)!.costUsd, 0);
        return gain > lambda * cost * 1000;
      };
      return {
        strategy: 'cascade',
        ranked,
        stages,
        escalate,
        info: {
          lambda,
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
 * The ladder: the most cost-effective experts (by P − 0.3·cost, so a cheap strong expert and a
 * cheap second opinion) cheapest first, then the strongest expert by P. Each rung is a distinct expert.
 */
export function planLadder(scores: ReadonlyMap<string, UtilityScore>, rungs: number): string[] {
  const s = (id: string) => scores.get(id)!;
  const byId = (a: string, b: string) => (a < b ? -1 : 1);
  const strongest = [...scores.keys()].sort((a, b) => s(b).p - s(a).p || byId(a, b))[0]!;
  const value = (id: string) => s(id).p - CHEAP_RUNG_LAMBDA * s(id).costUsd * 1000;
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
 * The choice the policy's aggregation would return if the cascade stopped now: the vote as the
 * vote aggregators count it, the last answer for `first`, and for synthesis or judges, which
 * cannot be foreseen, the most likely choice.
 */
export function returnedChoice(
  aggregate: AggregationName,
  answers: readonly ExpertAnswer[],
  votes: readonly Vote[],
  weights: ReadonlyMap<string, number>,
): string | null {
  if (aggregate === 'first') return votes[votes.length - 1]?.choice ?? null;
  const counted = countedVote(aggregate, answers, votes, weights);
  return counted ? counted.answer : choicePosterior(votes, EFFECTIVE_OPTIONS).choice;
}

/**
 * Whether the experts still ahead could change what a vote returns, even all backing its closest
 * rival. When they cannot (two agreeing experts outweigh the strongest one alone), calling them
 * would only cost. Other aggregations can always change.
 */
export function canOverturn(
  aggregate: AggregationName,
  answers: readonly ExpertAnswer[],
  votes: readonly Vote[],
  weights: ReadonlyMap<string, number>,
  ahead: readonly string[],
): boolean {
  const counted = countedVote(aggregate, answers, votes, weights);
  if (!counted) return true;
  const [leader = 0, rival = 0] = Object.values(counted.tally).sort((a, b) => b - a);
  const reserve = ahead.reduce((s, id) => s + ballotWeight(aggregate, weights, id), 0);
  return rival + reserve >= leader;
}

/** The vote as `vote` / `weighted-vote` count it (the weights also break ties, as live); null for other aggregations. */
function countedVote(
  aggregate: AggregationName,
  answers: readonly ExpertAnswer[],
  votes: readonly Vote[],
  weights: ReadonlyMap<string, number>,
): VoteOutcome | null {
  if (aggregate !== 'vote' && aggregate !== 'weighted-vote') return null;
  return countVotes(
    answers.map((a, i) => ({ expertId: a.expertId, answer: votes[i]!.choice, weight: ballotWeight(aggregate, weights, a.expertId) })),
    weights,
  );
}

function ballotWeight(aggregate: AggregationName, weights: ReadonlyMap<string, number>, expertId: string): number {
  return aggregate === 'weighted-vote' ? (weights.get(expertId) ?? 1) : 1;
}

/** A rung, with its vote weight for a weighted vote over the stages reached. */
function candidate(expertId: string, s: UtilityScore): Candidate {
  return { expertId, score: s.utility, detail: { p: round(s.p), cost_usd: round(s.costUsd, 8), weight: voteWeight(s.p) } };
}
