// Aggregation on recorded expert outputs (data/mmlu-pro-routing), for the offline evaluation. Votes
// and the stacked vote are the aggregators' own forecasts (router/eval/replay.ts); what cannot be
// foreseen (synthesis, judging) calls a real expert here.

import { extractAnswer, extractChoice } from '../answers/extract';
import { readingForPrompt } from '../answers/prompt-kind';
import type { ExpertAnswer, ExpertCaller } from '../types';
import { judgeCandidates } from './judge';
import { streamSynthesis } from './synthesize';

export { extractChoice };
export { measureExtractionAgreement, type ExtractionAgreement } from '../answers/agreement';

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
