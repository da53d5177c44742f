import { ExpertCallError } from '../router/errors';
import { lastUserContent } from '../router/messages';
import type { ChatMessage, ExpertAnswer, ExpertStream } from '../router/types';

/** The text routers and replay look at: the last user message. */
export function lastUserPrompt(expertId: string, messages: ChatMessage[]): string {
  const prompt = lastUserContent(messages);
  if (prompt === null) throw new ExpertCallError(expertId, 'the request has no user message', { source: 'gateway', kind: 'config' });
  return prompt;
}

/** Runs one call and stamps its wall-clock latency on the answer. */
export async function timed(call: () => Promise<Omit<ExpertAnswer, 'latencyMs'>>): Promise<ExpertAnswer> {
  const start = performance.now();
  const answer = await call();
  return { ...answer, latencyMs: performance.now() - start };
}

/**
 * Streams an answer that arrives whole (recorded replay text) in word-group pieces, so clients see
 * the same incremental protocol as from a live model.
 */
export function chunkedStream(answer: Promise<ExpertAnswer>): ExpertStream {
  async function* deltas(): AsyncIterable<string> {
    const { text } = await answer;
    for (const piece of text.match(/(?:\S+\s*){1,12}|\s+/g) ?? [text]) yield piece;
  }
  // The stream's consumer sees the error through `deltas`; `done` must not also be unhandled.
  answer.catch(() => undefined);
  return { deltas: deltas(), done: answer };
}

/** The typed error for a call its signal stopped: the deadline (timeout) or the gateway (cancelled). */
export function abortedCallError(expertId: string, signal: AbortSignal): ExpertCallError {
  const timeout = signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError';
  return new ExpertCallError(expertId, timeout ? 'timed out' : 'cancelled', { kind: timeout ? 'timeout' : 'aborted', source: timeout ? 'expert' : 'gateway' });
}
