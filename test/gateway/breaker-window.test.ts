import { describe, expect, it } from 'vitest';
import { BreakerRegistry } from '../../worker/resilience/breaker';

// The failure window counts calls per slice of it. It was a list of every call of the last minute,
// filtered on each new call: at a few thousand calls a second per expert each call walked the whole
// list, and the 300,000 calls below did not finish (they are recorded in batches so that the test's
// timeout, far above what counting takes, can stop them).

describe('circuit breaker window', () => {
  it('keeps up with heavy traffic and judges only the last window', async () => {
    const b = new BreakerRegistry({ windowMs: 60_000, minCalls: 5, failureRate: 0.5, cooldownMs: 30_000 });
    // Two minutes at 2,500 calls a second, 40% failing: never enough to open.
    for (let batch = 0; batch < 30; batch++) {
      for (let i = batch * 10_000; i < (batch + 1) * 10_000; i++) b.record('x', i % 5 < 3, i * 0.4);
      await new Promise((r) => setImmediate(r));
    }
    expect(b.state('x', 120_000)).toBe('closed');
    // A minute of failures later, the old successes have left the window: the rate crosses half and it opens.
    for (let t = 120_000; t < 150_000; t += 1_000) b.record('x', false, t);
    expect(b.state('x', 150_000)).toBe('closed'); // the window still holds the 40%-failing traffic
    for (let t = 150_000; t < 181_000; t += 1_000) b.record('x', false, t);
    expect(b.state('x', 181_000)).toBe('open');
  }, 20_000);

  it('a window of few calls: five calls, three failed, opens; failures older than the window do not count', () => {
    const b = new BreakerRegistry({ windowMs: 10_000, minCalls: 5, failureRate: 0.5, cooldownMs: 1_000 });
    for (const t of [0, 100, 200]) b.record('y', false, t);
    for (const t of [20_000, 20_100]) b.record('y', true, t);
    for (const t of [20_200, 20_300]) b.record('y', false, t);
    expect(b.state('y', 20_300)).toBe('closed'); // 4 calls in the window: fewer than minCalls
    b.record('y', false, 20_400);
    expect(b.state('y', 20_400)).toBe('open');
  });
});
