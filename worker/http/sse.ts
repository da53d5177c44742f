import type { Context } from 'hono';

/** Server-sent events carrying these JSON values (JSON.stringify writes no line breaks), then `[DONE]` when `done`. */
export function sseData(events: readonly unknown[], done = false): string {
  return events.map((data) => `data: ${JSON.stringify(data)}\n\n`).join('') + (done ? 'data: [DONE]\n\n' : '');
}

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

/**
 * A `text/event-stream` response whose events are produced as the client reads them: each read
 * pulls the next one from `events`, so a slow client holds the producer back. A client that goes
 * away calls `onCancel`, then ends the producer. Pulled straight by the runtime, with no
 * TransformStream between: Hono's `streamSSE` pushes through one and then a second JS stream, and
 * in workerd each stage delays every chunk (README, "Gateway overhead").
 */
export function sseResponse(c: Context, events: AsyncGenerator<string, void>, onCancel: () => void): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await events.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      onCancel();
      await events.return();
    },
  });
  return c.body(body, 200, SSE_HEADERS);
}

/** A whole event stream already in hand: one body, nothing to pull. */
export function sseText(c: Context, text: string): Response {
  return c.body(text, 200, SSE_HEADERS);
}
