// Aggregation on recorded expert outputs (data/mmlu-pro-routing), for the offline evaluation: the
// same extraction and counting as the live aggregators, without calling anyone.

import { extractAnswer, extractChoice } from '../answers/extract';
import type { AnswerReading } from '../answers/key';
import { readingForPrompt } from '../answers/prompt-kind';
import type { ExpertAnswer, ExpertCaller } from '../types';
import { judgeCandidates } from './judge';
import { streamSynthesis } from './synthesize';
import { countVotes, type VoteOutcome } from './tally';

export { extractChoice };
export { measureExtractionAgreement, type ExtractionAgreement } from '../answers/agreement';

export interface RecordedAnswer {
  expertId: string;
  /** The answer recorded with the data (the workload's own extractor). */
  pred: string | null;
  /** The expert's full recorded reply. */
  text: string;
  /** Vote weight for `weighted-vote`; 1 when absent. */
  weight?: number;
}

export interface RecordedVoteOptions {
  /** Vote on the recorded `pred`, or on the answer this module extracts from `text`. */
  source: 'pred' | 'text';
  /** How to read the texts (`source: 'text'`); multiple choice when absent. */
  reading?: AnswerReading;
  /** Tie-break: the tied answer whose best supporter is most competent wins, then the earliest. */
  competence?: ReadonlyMap<string, number>;
}

/** `vote` counts every answer once; `weighted-vote` by its weight. */
export function aggregateRecorded(kind: 'vote' | 'weighted-vote', answers: readonly RecordedAnswer[], opts: RecordedVoteOptions): VoteOutcome {
  const reading = opts.reading ?? { expect: 'choice' };
  const ballots = answers.map((a) => ({
    expertId: a.expertId,
    answer: opts.source === 'pred' ? a.pred : (extractAnswer(a.text, reading)?.value ?? null),
    weight: kind === 'weighted-vote' ? (a.weight ?? 1) : 1,
  }));
  return countVotes(ballots, opts.competence);
}

/**
 * Synthesis or judging of recorded answers through a real expert, for the evaluation: the same
 * prompts as the live aggregators, no fallback (a failed or unusable verdict is the aggregator's
 * result). `answer` is the final answer extracted from the synthesis, or from the judge's pick.
 */
export async function aggregateWithCaller(
  kind: 'synthesize' | 'judge',
  question: string,
  answers: readonly ExpertAnswer[],
  caller: ExpertCaller,
  aggregatorId: string,
): Promise<{ text: string; answer: string | null }> {
  const messages = [{ role: 'user' as const, content: question }];
  if (kind === 'synthesize') {
    const synthesis = await streamSynthesis({ caller, expertId: aggregatorId, messages, candidates: answers.map((a) => a.text), stage: 1 }, () => undefined);
    return { text: synthesis.text, answer: extractAnswer(synthesis.text, readingForPrompt(question))?.value ?? null };
  }
  const { verdict, ranking } = await judgeCandidates({ caller, judgeId: aggregatorId, messages, candidates: answers, stage: 1 });
  const best = ranking ? answers[ranking[0]!]! : null;
  return best ? { text: best.text, answer: extractAnswer(best.text, readingForPrompt(question))?.value ?? null } : { text: verdict.text, answer: null };
}
