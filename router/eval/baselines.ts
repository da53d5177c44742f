import { answerReader } from '../answers/read';
import { policyForPrompt } from '../prompt-policy';
import type { Prices } from '../cost';
import { hashString } from '../features/random';
import type { RoutingPolicy } from '../policy';
import type { ExpertAnswer, ExpertProfile, RoutingDecision, RoutingStrategy } from '../types';
import { playDecision, recordedAnswer, type ReplayOptions } from './replay';
import type { EvalExample, QuestionResult } from './types';

// The reference points every router is compared with, all chosen on the training split only.

/** Per-expert accuracy and mean cost on the training split. */
export interface TrainingSummary {
  accuracy: ReadonlyMap<string, number>;
  meanCostUsd: ReadonlyMap<string, number>;
  /** Most accurate on the training split. */
  bestSingle: string;
}

export function summarizeTraining(examples: readonly EvalExample[], experts: readonly ExpertProfile[]): TrainingSummary {
  const prices = pricesOf(experts);
  const accuracy = new Map<string, number>();
  const meanCostUsd = new Map<string, number>();
  for (const e of experts) {
    let correct = 0;
    let cost = 0;
    for (const x of examples) {
      correct += x.outcomes[e.id]?.correct ? 1 : 0;
      cost += recordedAnswer(x, e.id, prices)?.costUsd ?? 0;
    }
    accuracy.set(e.id, correct / Math.max(1, examples.length));
    meanCostUsd.set(e.id, cost / Math.max(1, examples.length));
  }
  const bestSingle = [...accuracy].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
  return { accuracy, meanCostUsd, bestSingle };
}

export function pricesOf(experts: readonly ExpertProfile[]): Map<string, Prices> {
  return new Map(experts.map((e) => [e.id, e]));
}

/** A router under evaluation: anything that turns a labelled question into a result. */
export interface Router {
  name: string;
  run(example: EvalExample): Promise<QuestionResult> | QuestionResult;
}

/** Share of the best model's training accuracy a cheap expert needs to join the agreement cascade. */
const CASCADE_ACCURACY_SHARE = 0.85;

export function baselineRouters(summary: TrainingSummary, experts: readonly ExpertProfile[], source: ReplayOptions['source']): Router[] {
  const prices = pricesOf(experts);
  const byAccuracy = [...summary.accuracy].sort((a, b) => b[1] - a[1]).map(([id]) => id);
  const fixed = (
    name: string,
    stages: string[][],
    aggregation: ReplayOptions['aggregation'],
    escalate?: (prompt: string) => RoutingDecision['escalate'],
  ): Router => ({
    name,
    run: (x) => playDecision(decisionOf(name, stages, escalate?.(x.prompt)), x, prices, { aggregation, source, competence: summary.accuracy }),
  });
  const best = summary.bestSingle;
  const [cheapA, cheapB] = byAccuracy
    .filter((id) => id !== best && summary.accuracy.get(id)! >= CASCADE_ACCURACY_SHARE * summary.accuracy.get(best)!)
    .sort((a, b) => summary.meanCostUsd.get(a)! - summary.meanCostUsd.get(b)!);
  const routers = [
    fixed('best-single', [[best]], 'first'),
    fixed('vote-top3', [byAccuracy.slice(0, 3)], 'vote'),
    fixed('vote-top5', [byAccuracy.slice(0, 5)], 'vote'),
  ];
  if (cheapA && cheapB) routers.push(fixed('agreement-cascade', [[cheapA, cheapB], [best]], 'first', disagree));
  routers.push(randomRouter(experts, prices), oracleRouter(experts, prices, best));
  return routers;
}

/** Escalate unless every answer so far names the same answer. */
function disagree(prompt: string): (answers: ExpertAnswer[]) => boolean {
  const read = answerReader(prompt);
  return (answers) => {
    const keys = answers.map((a) => read(a.text));
    return keys[0] === null || keys.some((c) => c !== keys[0]);
  };
}

function decisionOf(name: string, stages: string[][], escalate?: RoutingDecision['escalate']): RoutingDecision {
  const cands = stages.map((s) => s.map((expertId) => ({ expertId, score: 1 })));
  return { strategy: name, ranked: cands.flat(), stages: cands, ...(escalate ? { escalate } : {}) };
}

/** One expert uniformly at random, seeded by the prompt so runs repeat. */
function randomRouter(experts: readonly ExpertProfile[], prices: ReadonlyMap<string, Prices>): Router {
  return {
    name: 'random',
    run: (x) => playDecision(decisionOf('random', [[experts[hashString(x.prompt) % experts.length]!.id]]), x, prices, { aggregation: 'first', source: 'pred' }),
  };
}

/**
 * Knows the labels: the cheapest expert that is right, else the best single model (else, where the
 * data did not record it, as a gateway's export records only the experts each route called, the
 * cheapest recorded one). An upper bound only.
 */
function oracleRouter(experts: readonly ExpertProfile[], prices: ReadonlyMap<string, Prices>, best: string): Router {
  return {
    name: 'oracle',
    run: (x) => {
      const recorded = experts.flatMap((e) => recordedAnswer(x, e.id, prices) ?? []).sort((a, b) => a.costUsd - b.costUsd);
      const right = recorded.find((a) => x.outcomes[a.expertId]!.correct);
      const pick = right ?? recordedAnswer(x, best, prices) ?? recorded[0];
      if (!pick) return { correct: false, costUsd: 0, called: [], answer: null };
      return { correct: Boolean(right), costUsd: pick.costUsd, called: [pick.expertId], answer: x.outcomes[pick.expertId]!.pred };
    },
  };
}

/** A strategy with a policy, replayed. */
export function strategyRouter(name: string, strategy: RoutingStrategy, experts: ExpertProfile[], policy: RoutingPolicy, opts: ReplayOptions): Router {
  const prices = pricesOf(experts);
  return {
    name,
    run: async (x) => {
      // As the pipeline: the prompt's kind may adapt the policy (open-ended prompts get one expert).
      const plan = policyForPrompt(policy, x.prompt);
      const decision = await strategy.decide({ prompt: x.prompt, messages: [{ role: 'user', content: x.prompt }] }, experts, plan.policy);
      return playDecision(decision, x, prices, plan.policy.aggregate === 'first' ? { ...opts, aggregation: 'first' } : opts);
    },
  };
}
