import type { CallOptions, ChatMessage, ExpertAnswer, ExpertProfile, ExpertStream } from '../router/types';

/**
 * One adapter per provider kind. An adapter makes a single attempt (retries, breakers and
 * recording live in the gateway's caller) and reports text, usage, cost and latency, or throws an
 * ExpertCallError that says whether the expert or the gateway failed.
 */
export interface ExpertAdapter {
  complete(expert: ExpertProfile, messages: ChatMessage[], opts: CallOptions): Promise<ExpertAnswer>;
  stream(expert: ExpertProfile, messages: ChatMessage[], opts: CallOptions): ExpertStream;
}
