import { aggregateRecorded, measureExtractionAgreement } from '../aggregate/offline';
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

export function playDecision(decision: RoutingDecision, example: EvalExample, prices: ReadonlyMap<string, Prices>, opts: ReplayOptions): QuestionResult {
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
  if (opts.aggregation === 'first') {
    // As the pipeline: one stage → the first chosen expert's answer; cascades → the last stage reached.
    const pick = decision.stages.length === 1 ? answers[0]! : answers[answers.length - 1]!;
    const o = example.outcomes[pick.expertId]!;
    return { correct: o.correct, costUsd, called, answer: o.pred };
  }
  // Recorded preds are keyed like extracted answers, so both sources compare with the reference the same way.
  const reading = readingForPrompt(example.prompt);
  const voters = answers.map((a) => {
    const pred = example.outcomes[a.expertId]!.pred;
    return {
      expertId: a.expertId,
      pred,
      key: pred === null ? null : referenceKey(example.prompt, pred),
      text: a.text,
      ...(weights.has(a.expertId) ? { weight: weights.get(a.expertId)! } : {}),
    };
  });
  const { agree, total } = measureExtractionAgreement(voters, reading);
  const truth = referenceKey(example.prompt, example.answer);
  const read = answerReader(example.prompt);
  if (opts.aggregation === 'stacked-vote' && opts.stacked) {
    const outcome = opts.stacked.decide(
      example.prompt,
      voters.map((v) => ({ expertId: v.expertId, choice: opts.source === 'pred' ? v.key : read(v.text), text: v.text })),
      promptPOf(decision.ranked),
    );
    return { correct: outcome.choice !== null && outcome.choice === truth, costUsd, called, answer: outcome.choice, extraction: { agree, total } };
  }
  const ballots = voters.map((v) => ({ ...v, pred: v.key }));
  const result = aggregateRecorded(opts.aggregation === 'stacked-vote' ? 'weighted-vote' : opts.aggregation, ballots, {
    source: opts.source,
    reading,
    ...(opts.competence ? { competence: opts.competence } : {}),
  });
  const correct = result.answer !== null && result.answer === truth;
  return { correct, costUsd, called, answer: result.answer, extraction: { agree, total } };
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
