import { ExpertCallError } from '../router/errors';
import { lastUserContent } from '../router/messages';
import type { StreamDelta } from '../router/params';
import type { ChatMessage, ExpertAnswer, ExpertStream } from '../router/types';

/** The text routers and replay look at: the last user message. */
export function lastUserPrompt(expertId: string, messages: ChatMessage[]): string {
  const prompt = lastUserContent(messages);
  if (prompt === null) throw new ExpertCallError(expertId, 'the request has no user message', { source: 'gateway', kind: 'config' });
  return prompt;
}

/** Runs one call and stamps its wall-clock latency on the answer. */
export async function timed<T>(call: () => Promise<T>): Promise<T & { latencyMs: number }> {
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

/**
 * An ExpertStream over a generator that yields the deltas and returns the whole answer: `done`
 * settles with it (latency stamped), with the generator's error, or as cancelled when the
 * consumer stops reading first (a hedged loser), which also stops the generator.
 */
export function streamOf(expertId: string, produce: () => AsyncGenerator<StreamDelta, Omit<ExpertAnswer, 'latencyMs'>>): ExpertStream {
  let settle!: { resolve: (a: ExpertAnswer) => void; reject: (e: unknown) => void };
  const done = new Promise<ExpertAnswer>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => undefined);
  async function* deltas(): AsyncIterable<StreamDelta> {
    const start = performance.now();
    const inner = produce();
    let finished = false;
    try {
      for (;;) {
        const step = await inner.next();
        if (step.done) {
          finished = true;
          settle.resolve({ ...step.value, latencyMs: performance.now() - start });
          return;
        }
        yield step.value;
      }
    } catch (e) {
      finished = true;
      settle.reject(e);
      throw e;
    } finally {
      if (!finished) {
        settle.reject(new ExpertCallError(expertId, 'stream cancelled by the gateway', { source: 'gateway', kind: 'aborted' }));
        await inner.return(undefined as never).catch(() => undefined);
      }
    }
  }
  return { deltas: deltas(), done };
}
