import { describe, expect, it } from 'vitest';
import { requestOrder } from '../../scripts/lib/overhead';

// bench:gateway's interleaving: a request is slowed by what the one before it left running, so no
// target may always follow the same one.
describe('requestOrder', () => {
  const targets = ['floor', 'twin', 'one', 'auto', 'node', 'portkey'];
  const cycles = requestOrder(targets, 300);

  it('sends every target once per cycle', () => {
    for (const c of cycles) expect([...c].sort()).toEqual([...targets].sort());
  });

  it('puts every other target before each one, about equally often', () => {
    const sequence = cycles.flat();
    for (const t of targets) {
      const before = new Map<string, number>();
      sequence.forEach((x, i) => {
        if (x === t && i > 0) before.set(sequence[i - 1]!, (before.get(sequence[i - 1]!) ?? 0) + 1);
      });
      // 300 cycles: each of the 5 others precedes it ~60 times (itself, across a cycle's end, now and then).
      for (const other of targets.filter((o) => o !== t)) expect(before.get(other) ?? 0).toBeGreaterThan(30);
    }
  });

  it('is the same order in every run', () => {
    expect(requestOrder(targets, 5)).toEqual(requestOrder(targets, 5));
  });
});
