import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { sseResponse } from '../../worker/http/sse';

// The gateway's event streams in workerd: produced as the client reads, ended when it goes away.

function counted(total: number) {
  const state = { produced: 0, ended: false };
  async function* events(): AsyncGenerator<string, void> {
    try {
      for (let i = 0; i < total; i++) {
        state.produced++;
        yield `data: ${i}\n\n`;
      }
    } finally {
      state.ended = true;
    }
  }
  return { state, events };
}

const serve = (events: AsyncGenerator<string, void>, onCancel: () => void) =>
  new Hono().get('/', (c) => {
    c.header('x-route-id', 'r1');
    return sseResponse(c, events, onCancel);
  });

describe('sseResponse', () => {
  it('sends every event in order, with the event-stream headers and those already set', async () => {
    const { events } = counted(3);
    const res = await serve(events(), () => undefined).request('/');
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('x-route-id')).toBe('r1');
    expect(await res.text()).toBe('data: 0\n\ndata: 1\n\ndata: 2\n\n');
  });

  it('produces an event only when the client reads: a stalled client holds the producer back', async () => {
    const { state, events } = counted(100);
    const res = await serve(events(), () => undefined).request('/');
    const reader = res.body!.getReader();
    await reader.read();
    await new Promise((r) => setTimeout(r, 20));
    // The one read, and at most one queued ahead of it.
    expect(state.produced).toBeLessThanOrEqual(2);
    await reader.cancel();
  });

  it('a client that goes away calls onCancel and ends the producer', async () => {
    const { state, events } = counted(100);
    let cancelled = 0;
    const res = await serve(events(), () => cancelled++).request('/');
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    expect(cancelled).toBe(1);
    expect(state.ended).toBe(true);
    expect(state.produced).toBeLessThan(100);
  });
});
