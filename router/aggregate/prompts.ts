import type { ChatMessage } from '../types';

// The prompts aggregators send. Candidates are numbered, never named: a synthesizer or judge
// should weigh what an answer says, not which model said it.

/** Longest candidate passed on; longer answers keep their end, where the conclusion is. */
export const MAX_CANDIDATE_CHARS = 2000;

/** Mixture-of-Agents' aggregate-and-synthesize prompt (Wang et al., 2024), used for every synthesis and refinement round. */
export const SYNTHESIS_PROMPT =
  'You have been provided with a set of responses from various models to the latest user query. ' +
  'Your task is to synthesize these responses into a single, high-quality response. ' +
  'It is crucial to critically evaluate the information provided in these responses, recognizing that some of it may be biased or incorrect; ' +
  'several responses may agree and still be wrong. Your response should not simply replicate the given answers but should offer a refined, ' +
  'accurate, and comprehensive reply to the instruction. If the question asks for a specific format (such as the letter of an option), ' +
  'end with the answer in that format.';

export const JUDGE_PROMPT =
  'You are a strict judge. Below are candidate responses from various models to the latest user query; some or all of them may be wrong. ' +
  'Check each one for correctness first, then helpfulness. Reason briefly if you need to, then end with exactly one line of the form ' +
  '"Ranking: 2 > 1 > 3" listing every candidate number once, best first.';

/**
 * A candidate answer as passed to an aggregator: hidden reasoning (`<think>…</think>`) removed and
 * long answers cut to their last `maxChars` characters.
 */
export function trimReasoning(text: string, maxChars = MAX_CANDIDATE_CHARS): string {
  const visible = text
    .replace(/<think>[\s\S]*?<\/think>/g, '')
    .replace(/^[\s\S]*<\/think>/, '')
    .trim();
  return visible.length <= maxChars ? visible : `…${visible.slice(visible.length - maxChars)}`;
}

export function numberedCandidates(texts: readonly string[]): string {
  return texts.map((t, i) => `[${i + 1}] ${trimReasoning(t)}`).join('\n\n');
}

/** The conversation with an aggregator's instructions and the candidates in front. */
export function aggregatorMessages(instructions: string, messages: readonly ChatMessage[], candidates: readonly string[]): ChatMessage[] {
  const system = `${instructions}\n\nResponses from models:\n\n${numberedCandidates(candidates)}`;
  const [first, ...rest] = messages;
  // One system message: some providers reject a second one.
  if (first?.role === 'system') return [{ role: 'system', content: `${system}\n\n${first.content}` }, ...rest];
  return [{ role: 'system', content: system }, ...messages];
}
