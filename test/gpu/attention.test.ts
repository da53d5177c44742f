// The native attention core (native/src/attention_cpu.cc, used by the served forward pass) against a
// plain TypeScript softmax attention: causal, grouped-query heads, a cache longer than the rows see,
// and its argument checks.
import { describe, expect, it } from 'vitest';
import { attention } from '../../gpu-service/src/moe/index.js';
import type { AttentionShape } from '../../gpu-service/src/moe/index.js';
import { randomActivations } from '../../gpu-service/src/moe/fixtures.js';

function reference(q: Float32Array, keys: Float32Array, values: Float32Array, s: AttentionShape): Float32Array {
  const { rows, start, heads, kvHeads, headDim: hd, scale } = s;
  const out = new Float32Array(rows * heads * hd);
  for (let j = 0; j < rows; j++)
    for (let h = 0; h < heads; h++) {
      const kv = Math.floor(h / (heads / kvHeads)) * hd;
      const qo = (j * heads + h) * hd;
      const scores = Array.from({ length: start + j + 1 }, (_, p) => {
        let d = 0;
        for (let i = 0; i < hd; i++) d += q[qo + i]! * keys[p * kvHeads * hd + kv + i]!;
        return d * scale;
      });
      const max = Math.max(...scores);
      const e = scores.map((x) => Math.exp(x - max));
      const sum = e.reduce((a, b) => a + b, 0);
      for (let i = 0; i < hd; i++) out[qo + i] = e.reduce((a, w, p) => a + (w / sum) * values[p * kvHeads * hd + kv + i]!, 0);
    }
  return out;
}

describe('attention (native core)', () => {
  it.each([
    { rows: 5, start: 3, heads: 4, kvHeads: 2, headDim: 8 },
    { rows: 1, start: 0, heads: 3, kvHeads: 3, headDim: 33 },
    { rows: 9, start: 0, heads: 2, kvHeads: 1, headDim: 7 },
  ])('matches softmax attention over the cache (%o)', (dims) => {
    const s = { ...dims, scale: 1 / Math.sqrt(dims.headDim) };
    const kvDim = s.kvHeads * s.headDim;
    const positions = s.start + s.rows;
    // Four positions more than the rows may see, all NaN: reading one would poison the output.
    const keys = new Float32Array((positions + 4) * kvDim).fill(Number.NaN);
    const values = keys.slice();
    keys.set(randomActivations(positions, kvDim, 1).map((x) => 4 * x));
    values.set(randomActivations(positions, kvDim, 2));
    const q = randomActivations(s.rows, s.heads * s.headDim, 3);
    const out = new Float32Array(q.length);
    attention(q, keys, values, s, out);
    const want = reference(q, keys, values, s);
    for (let i = 0; i < out.length; i++) expect(Math.abs(out[i]! - want[i]!)).toBeLessThanOrEqual(1e-6);
  });

  it('rejects bad arguments, naming them', () => {
    const s = { rows: 2, start: 1, heads: 4, kvHeads: 2, headDim: 4, scale: 0.5 };
    const q = new Float32Array(32);
    const kv = new Float32Array(3 * 8);
    const out = new Float32Array(32);
    expect(() => attention(q.subarray(1), kv, kv, s, out)).toThrow(/q has 31 values, expected 32/);
    expect(() => attention(q, kv.subarray(8), kv, s, out)).toThrow(/keys has 16 values, expected at least 24/);
    expect(() => attention(q, kv, kv, { ...s, kvHeads: 3 }, out)).toThrow(RangeError);
    expect(() => attention(q, kv, kv, { ...s, rows: -1 }, out)).toThrow(/shape.rows must be a non-negative integer/);
    expect(() => attention(q, kv, kv, { ...s, scale: Number.NaN }, out)).toThrow(/shape.scale must be a finite number/);
    expect(() => attention(q, kv, kv, { ...s, rows: 2 ** 40, heads: 2 ** 40 }, out)).toThrow(/rows x heads overflows/);
    expect(() => attention(q, kv, kv, s, new Float64Array(32) as unknown as Float32Array)).toThrow(/out must be a Float32Array/);
    const shared = new Float32Array(64);
    expect(() => attention(q, shared.subarray(0, 24), kv, s, shared.subarray(16, 48))).toThrow(/out must not share memory/);
  });
});
