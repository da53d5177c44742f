import { callCostUsd, tokensOf } from '../router/cost';
import { ExpertCallError } from '../router/errors';
import type { CallOptions, ChatMessage, ExpertAnswer, ExpertProfile, ExpertStream } from '../router/types';
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
  async function complete(expert: ExpertProfile, messages: ChatMessage[], opts: CallOptions): Promise<ExpertAnswer> {
    return timed(async () => {
      const prompt = lastUserPrompt(expert.id, messages);
      // Each question was recorded alone. A conversation around it (an aggregator's instructions
      // and candidates, earlier turns) was never asked, so replaying the bare question's answer
      // would pass off a recorded answer as, say, a synthesis.
      if (messages.length !== 1)
        throw new ExpertCallError(
          expert.id,
          `prompt not recorded: replay experts only answer a recorded question sent alone as one user message (this conversation has ${messages.length} messages)`,
          { kind: 'not_recorded', source: 'client' },
        );
      const recorded = await store.lookup(prompt).catch((e: unknown) => {
        throw new ExpertCallError(expert.id, `replay store unavailable: ${e instanceof Error ? e.message : String(e)}`, { source: 'gateway', kind: 'config' });
      });
      // The client asked what no one recorded: its miss, not the expert's failure (health, breakers).
      if (!recorded)
        throw new ExpertCallError(expert.id, 'prompt not recorded: replay experts only answer prompts from the MMLU-Pro routing data', {
          kind: 'not_recorded',
          source: 'client',
        });
      const whole = recorded.answers[expert.model];
      if (whole === undefined)
        throw new ExpertCallError(expert.id, `model '${expert.model}' has no recorded answer for question ${recorded.id}`, {
          kind: 'not_recorded',
          source: 'client',
        });
      // max_tokens cuts the recorded answer where a live model would have stopped (a route's cost cap relies on it).
      const limit = opts.params?.max_completion_tokens ?? opts.maxTokens;
      const cut = limit !== undefined && tokensOf(whole) > limit;
      const text = cut ? whole.slice(0, limit * 4) : whole;
      const usage = { promptTokens: tokensOf(prompt), completionTokens: tokensOf(text) };
      return { expertId: expert.id, text, usage, costUsd: callCostUsd(expert, usage), ...(cut ? { finishReason: 'length' as const } : {}) };
    });
  }
  return {
    complete: (expert, messages, opts) => complete(expert, messages, opts),
    stream: (expert, messages, opts): ExpertStream => chunkedStream(complete(expert, messages, opts)),
  };
}
