// Aggregation on recorded expert outputs (data/mmlu-pro-routing), for the offline evaluation: the
// same extraction and counting as the live aggregators, without calling anyone.

import type { ExpertAnswer, ExpertCaller } from '../types';
import { extractAnswer, extractChoice } from './extract';
import { judgeCandidates } from './judge';
import { streamSynthesis } from './synthesize';
import { countVotes, type VoteOutcome } from './tally';

export { extractChoice };

export interface RecordedAnswer {
  expertId: string;
  /** The letter recorded with the data (MMLU-Pro's own extractor). */
  pred: string | null;
  /** The expert's full recorded reply. */
  text: string;
  /** Vote weight for `weighted-vote`; 1 when absent. */
  weight?: number;
}

export interface RecordedVoteOptions {
  /** Vote on the recorded `pred`, or on the letter this module extracts from `text`. */
  source: 'pred' | 'text';
  /** Tie-break: the tied answer whose best supporter is most competent wins, then the earliest. */
  competence?: ReadonlyMap<string, number>;
}

/** `vote` counts every answer once; `weighted-vote` by its weight. */
export function aggregateRecorded(kind: 'vote' | 'weighted-vote', answers: readonly RecordedAnswer[], opts: RecordedVoteOptions): VoteOutcome {
  const ballots = answers.map((a) => ({
    expertId: a.expertId,
    answer: opts.source === 'pred' ? a.pred : extractChoice(a.text),
    weight: kind === 'weighted-vote' ? (a.weight ?? 1) : 1,
  }));
  return countVotes(ballots, opts.competence);
}

export interface ExtractionAgreement {
  total: number;
  /** Extracted letter equals the recorded `pred` (both null counts as agreement). */
  agree: number;
  rate: number;
  /** Recorded a letter where we extract none: mostly MMLU-Pro's random guess for unparseable replies. */
  onlyRecorded: number;
  /** We extract a letter where the record has none (e.g. "The closest option is (F)"). */
  onlyExtracted: number;
  /** Both found a letter, different ones. */
  different: number;
}

/** How often `extractChoice(text)` agrees with the recorded `pred`, with the disagreements split by kind. */
export function measureExtractionAgreement(rows: Iterable<Pick<RecordedAnswer, 'pred' | 'text'>>): ExtractionAgreement {
  const out: ExtractionAgreement = { total: 0, agree: 0, rate: 0, onlyRecorded: 0, onlyExtracted: 0, different: 0 };
  for (const row of rows) {
    out.total++;
    const mine = extractChoice(row.text);
    if (mine === row.pred) out.agree++;
    else if (mine === null) out.onlyRecorded++;
    else if (row.pred === null) out.onlyExtracted++;
    else out.different++;
  }
  out.rate = out.total ? out.agree / out.total : 0;
  return out;
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
    return { text: synthesis.text, answer: extractAnswer(synthesis.text)?.value ?? null };
  }
  const { verdict, ranking } = await judgeCandidates({ caller, judgeId: aggregatorId, messages, candidates: answers, stage: 1 });
  const best = ranking ? answers[ranking[0]!]! : null;
  return best ? { text: best.text, answer: extractAnswer(best.text)?.value ?? null } : { text: verdict.text, answer: null };
}
