import { buildAggregators } from '../aggregate/index';
import { measureExtractionAgreement } from '../aggregate/offline';
import type { Aggregator } from '../aggregate/types';
import { answerReader, referenceKey } from '../answers/read';
import { readingForPrompt } from '../answers/prompt-kind';
import { callCostUsd, tokensOf, type Prices } from '../cost';
import { promptPOf, type StackedVote } from '../stacker/vote';
import type { Candidate, ExpertAnswer, RoutingDecision } from '../types';
import type { EvalExample, QuestionResult } from './types';

// Replays the request path offline: the strategy decides from the prompt alone, each chosen
// expert "answers" with its recorded text, later stages run only while the decision's `escalate`
// asks for them (exactly as router/pipeline.ts does), and the answers are aggregated.

export type OfflineAggregation = 'first' | 'vote' | 'weighted-vote' | 'stacked-vote';

export interface ReplayOptions {
  aggregation: OfflineAggregation;
  /** What the vote counts: the recorded `pred`, or the choice extracted from each answer's text. */
  source: 'pred' | 'text';
  /** Training accuracy per expert: the vote's tie-break. */
  competence?: ReadonlyMap<string, number>;
  /** The fitted stacked vote; without one `stacked-vote` counts as `weighted-vote`, as live. */
  stacked?: StackedVote | null;
}

export function playDecision(decision: RoutingDecision, example: EvalExample, prices: ReadonlyMap<string, Prices>, planned: ReplayOptions): QuestionResult {
  // As the pipeline: a decision planned for a plain vote (the agreement ladder) is counted by one.
  const opts = decision.aggregate && planned.aggregation !== 'first' ? { ...planned, aggregation: decision.aggregate } : planned;
  const answers: ExpertAnswer[] = [];
  const weights = new Map<string, number>();
  for (let s = 0; s < decision.stages.length; s++) {
    if (s > 0 && !(decision.escalate?.(answers, s - 1) ?? false)) break;
    for (const c of decision.stages[s]!) {
      const answer = recordedAnswer(example, c.expertId, prices);
      if (!answer) continue;
      answers.push(answer);
      const w = voteWeight(c);
      if (w !== undefined) weights.set(c.expertId, w);
    }
  }
  const costUsd = answers.reduce((sum, a) => sum + a.costUsd, 0);
  const called = answers.map((a) => a.expertId);
  if (answers.length === 0) return { correct: false, costUsd, called, answer: null };
  // As the pipeline: one stage under `first` is its hedged path, where the first chosen expert's answer stands in for the fastest.
  if (opts.aggregation === 'first' && decision.stages.length === 1) return recordedResult(example, answers[0]!.expertId, costUsd, called);
  // Recorded preds are keyed like extracted answers, so both sources compare with the reference the same way.
  const read = answerReader(example.prompt);
  const ballots = answers.map((a) => {
    const pred = example.outcomes[a.expertId]!.pred;
    const key = pred === null ? null : referenceKey(example.prompt, pred);
    return { expertId: a.expertId, choice: opts.source === 'pred' ? key : read(a.text), text: a.text };
  });
  const forecast = aggregatorFor(opts).forecast({
    prompt: example.prompt,
    ballots,
    weights,
    ...(opts.competence ? { competence: opts.competence } : {}),
    promptP: promptPOf(decision.ranked),
  });
  // `first` after several stages returns the last stage's recorded outcome, as recorded.
  if (opts.aggregation === 'first') return recordedResult(example, forecast!.winner!, costUsd, called);
  const answer = forecast?.answer ?? null;
  const truth = referenceKey(example.prompt, example.answer);
  const { agree, total } = measureExtractionAgreement(
    answers.map((a) => ({ pred: example.outcomes[a.expertId]!.pred, text: a.text })),
    readingForPrompt(example.prompt),
  );
  return { correct: answer !== null && answer === truth, costUsd, called, answer, extraction: { agree, total } };
}

function recordedResult(example: EvalExample, expertId: string, costUsd: number, called: string[]): QuestionResult {
  const o = example.outcomes[expertId]!;
  return { correct: o.correct, costUsd, called, answer: o.pred };
}

// The offline aggregations by name, built once per fitted stacked vote (one per fold).
let registry: { stacked: StackedVote | null; aggregators: Map<string, Aggregator> } | null = null;

function aggregatorFor(opts: ReplayOptions): Aggregator {
  const stacked = opts.stacked ?? null;
  if (registry?.stacked !== stacked) registry = { stacked, aggregators: buildAggregators({ stacked }) };
  return registry.aggregators.get(opts.aggregation)!;
}

/** The recorded answer as the live caller would return it, costed by the data's rule. */
export function recordedAnswer(example: EvalExample, expertId: string, prices: ReadonlyMap<string, Prices>): ExpertAnswer | null {
  const o = example.outcomes[expertId];
  const p = prices.get(expertId);
  if (!o || !p) return null;
  const usage = { promptTokens: tokensOf(example.prompt), completionTokens: tokensOf(o.text) };
  return { expertId, text: o.text, usage, costUsd: callCostUsd(p, usage), latencyMs: 0 };
}

/** A strategy may attach a vote weight (e.g. predicted log-odds of being right) to a candidate. */
function voteWeight(c: Candidate): number | undefined {
  const w = c.detail?.['weight'];
  return typeof w === 'number' ? w : undefined;
}
