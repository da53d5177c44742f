import { callCostUsd, tokensOf } from '../router/cost';
import { ExpertCallError } from '../router/errors';
import type { ChatMessage, ExpertAnswer, ExpertProfile, ExpertStream } from '../router/types';
import { lastUserPrompt, chunkedStream, timed } from './shared';
import type { ExpertAdapter } from './types';

/** Where recorded answers come from: prompt → model → text, or null when the prompt is unknown. */
export interface ReplayStore {
  lookup(prompt: string): Promise<{ id: string; answers: Record<string, string> } | null>;
}

/**
 * Answers with what a real model answered when the MMLU-Pro routing data was recorded. Usage and
 * cost follow the data's rule (tokens = ceil(chars / 4)), so live figures match the evaluation.
 */
export function createReplayAdapter(store: ReplayStore): ExpertAdapter {
  async function complete(expert: ExpertProfile, messages: ChatMessage[]): Promise<ExpertAnswer> {
    return timed(async () => {
      const prompt = lastUserPrompt(expert.id, messages);
      // Each question was recorded alone. A conversation around it (an aggregator's instructions
      // and candidates, earlier turns) was never asked, so replaying the bare question's answer
      // would pass off a recorded answer as, say, a synthesis.
      if (messages.length !== 1) throw new ExpertCallError(expert.id, `prompt not recorded: replay experts only answer a recorded question sent alone as one user message (this conversation has ${messages.length} messages)`, { kind: 'not_recorded', source: 'client' });
      const recorded = await store.lookup(prompt).catch((e: unknown) => {
        throw new ExpertCallError(expert.id, `replay store unavailable: ${e instanceof Error ? e.message : String(e)}`, { source: 'gateway', kind: 'config' });
      });
      // The client asked what no one recorded: its miss, not the expert's failure (health, breakers).
      if (!recorded) throw new ExpertCallError(expert.id, 'prompt not recorded: replay experts only answer prompts from the MMLU-Pro routing data', { kind: 'not_recorded', source: 'client' });
      const text = recorded.answers[expert.model];
      if (text === undefined) throw new ExpertCallError(expert.id, `model '${expert.model}' has no recorded answer for question ${recorded.id}`, { kind: 'not_recorded', source: 'client' });
      const usage = { promptTokens: tokensOf(prompt), completionTokens: tokensOf(text) };
      return { expertId: expert.id, text, usage, costUsd: callCostUsd(expert, usage) };
    });
  }
  return {
    complete: (expert, messages) => complete(expert, messages),
    stream: (expert, messages): ExpertStream => chunkedStream(complete(expert, messages)),
  };
}
