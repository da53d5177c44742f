// The addon's RMSNorm (native/src/rms_norm_cpu.cc, used by the served forward pass) against the
// reference forward's TypeScript one: the same bits, in place or not, and its argument checks.
import { describe, expect, it } from 'vitest';
import { rmsNorm } from '../../gpu-service/src/moe/index.js';
import { randomActivations } from '../../gpu-service/src/moe/fixtures.js';
import { rmsNorm as referenceRmsNorm } from '../../gpu-service/src/model/numerics.js';

describe('rmsNorm (native)', () => {
  it.each([
    [1, 7],
    [9, 64],
    [16, 2048],
  ])('gives the TypeScript reference bits (%i rows x %i)', (rows, dim) => {
    const x = randomActivations(rows, dim, 1).map((v) => 30 * v);
    const weight = randomActivations(1, dim, 2);
    const want = new Float32Array(x.length);
    referenceRmsNorm(x, rows, dim, weight, 1e-6, want);
    const out = new Float32Array(x.length);
    rmsNorm(x, rows, dim, weight, 1e-6, out);
    expect(out).toEqual(want);
    rmsNorm(x, rows, dim, weight, 1e-6, x);
    expect(x).toEqual(want);
  });

  it('rejects bad arguments, naming them', () => {
    const x = new Float32Array(12);
    const w = new Float32Array(4);
    expect(() => rmsNorm(x, 3, 4, w, 1e-6, x.subarray(1))).toThrow(/out has 11 values, expected 12/);
    expect(() => rmsNorm(x, 3, 4, w.subarray(1), 1e-6, x)).toThrow(/weight has 3 values, expected 4/);
    expect(() => rmsNorm(x, 3, 4, w, -1, x)).toThrow(/eps must be a finite number >= 0/);
    expect(() => rmsNorm(x, 2 ** 40, 2 ** 40, w, 1e-6, x)).toThrow(/rows x dim overflows/);
    const shared = new Float32Array(16);
    expect(() => rmsNorm(shared.subarray(0, 12), 3, 4, w, 1e-6, shared.subarray(4))).toThrow(/out must be x itself or not overlap it/);
  });
});
