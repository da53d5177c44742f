// Bound weights (bindMoeLayer / bindLinear): validated once when bound, calls pass only activations;
// the handle keeps the weights' memory alive, refuses buffers detached after binding, and dispose()
// ends it. And the entry's hardening: byte sizes that overflow, the token cap, writable file maps.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bindLinear, bindMoeLayer, linear, moeForward } from '../../gpu-service/src/moe/index.js';
import type { MoeLayerWeights, Tensor } from '../../gpu-service/src/moe/index.js';
import { randomActivations, randomLayer, relativeError } from '../../gpu-service/src/moe/fixtures.js';

const spec = { family: 'qwen2_moe', experts: 8, topK: 2, hidden: 32, inter: 16, dtype: 'bf16', layout: 'per-expert', sharedInter: 24 } as const;
const { routing, weights } = randomLayer(spec, 5);

/** Runs a module body in a fresh Node process (GC control, or a crash that must not take the test runner down). */
function runChild(body: string, nodeArgs: string[] = []) {
  return spawnSync(process.execPath, [...nodeArgs, '--import', 'tsx', '--input-type=module', '-e', body], { encoding: 'utf8', cwd: process.cwd() });
}

describe('bound layers', () => {
  it('give the one-shot results, call after call, for every batch size', () => {
    const layer = bindMoeLayer(routing, weights, { device: 'cpu' });
    expect(layer.device).toBe('cpu');
    for (const T of [1, 7, 64, 3, 1]) {
      const x = randomActivations(T, spec.hidden, T);
      const bound = layer.forward(x, T);
      const once = moeForward(x, T, routing, weights, { device: 'cpu' });
      expect(bound.y).toEqual(once.y);
      expect(bound.topkIds).toEqual(once.topkIds);
    }
    layer.dispose();
  });

  it.each(['qwen2_moe', 'mixtral'] as const)('run only the outputTokens through the experts and route every token (%s)', (family) => {
    // qwen2_moe has a gated shared expert, which follows the chosen tokens too.
    const l = randomLayer({ ...spec, family, experts: 16, hidden: 64, inter: 48 }, 8);
    const layer = bindMoeLayer(l.routing, l.weights, { device: 'cpu' });
    for (const [T, outputs] of [
      [7, [6]],
      [7, [0, 3, 6]],
      [40, [9, 19, 29, 39]],
      [3, [0, 1, 2]],
    ] as Array<[number, number[]]>) {
      const x = randomActivations(T, 64, T);
      const all = layer.forward(x, T);
      const some = layer.forward(x, T, { outputTokens: Int32Array.from(outputs) });
      expect(some.topkIds).toEqual(all.topkIds);
      expect(some.topkWeights).toEqual(all.topkWeights);
      for (let t = 0; t < T; t++) {
        const row = (r: Float32Array) => r.subarray(t * 64, (t + 1) * 64);
        // Fewer tokens per expert may pick another GEMM kernel (another order of sums): bf16 tolerance.
        if (outputs.includes(t)) expect(relativeError(row(some.y), row(all.y))).toBeLessThan(2e-2);
        else expect(row(some.y).every((v) => v === 0)).toBe(true);
      }
    }
    const x = randomActivations(4, 64, 1);
    expect(() => layer.forward(x, 4, { outputTokens: Int32Array.from([2, 1]) })).toThrow(
      /outputTokens\[1\] is 1: expected ascending distinct tokens in \[0, 4\)/,
    );
    expect(() => layer.forward(x, 4, { outputTokens: Int32Array.from([4]) })).toThrow(RangeError);
    expect(() => layer.forward(x, 4, { outputTokens: [1] as unknown as Int32Array })).toThrow(/outputTokens must be an Int32Array/);
    layer.dispose();
  });

  it('validate the weights when bound and only the activations per call', () => {
    const experts = weights.experts;
    if (experts.layout !== 'per-expert') throw new Error('fixture layout');
    const gate = [...experts.gate];
    gate[2] = { ...gate[2]!, shape: [16, 31] };
    expect(() => bindMoeLayer(routing, { ...weights, experts: { ...experts, gate } })).toThrow(/weights.experts.gate\[2\]/);
    const layer = bindMoeLayer(routing, weights, { device: 'cpu' });
    expect(() => layer.forward(new Float32Array(10), 1)).toThrow(/x has 10 values, expected tokens \(1\) x hidden \(32\)/);
    expect(() => layer.forward(randomActivations(1, 32, 1), 1, { cpuIsa: 'sse' as 'avx2' })).toThrow(/unknown ISA 'sse'/);
  });

  it('end with dispose()', () => {
    const op = bindLinear({ dtype: 'f32', shape: [2, 3], data: new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer) }, { device: 'cpu' });
    expect(Array.from(op.forward(Float32Array.from([1, 1, 1]), 1))).toEqual([6, 15]);
    op.dispose();
    expect(() => op.forward(Float32Array.from([1, 1, 1]), 1)).toThrow(/disposed/);
  });

  it('refuse weights whose buffer was detached (transferred) after binding instead of reading freed memory', () => {
    const buffer = new Float32Array([1, 2, 3, 4, 5, 6]).buffer;
    const data = new Uint8Array(buffer);
    const op = bindLinear({ dtype: 'f32', shape: [2, 3], data }, { device: 'cpu' });
    structuredClone(buffer, { transfer: [buffer] });
    expect(data.byteLength).toBe(0);
    expect(() => op.forward(Float32Array.from([1, 1, 1]), 1)).toThrow(/detached/);
    const packed = randomLayer({ ...spec, layout: 'packed' }, 6);
    const layer = bindMoeLayer(packed.routing, packed.weights, { device: 'cpu' });
    const gateUp = (packed.weights.experts as { gateUp: Tensor }).gateUp.data.buffer as ArrayBuffer;
    structuredClone(gateUp, { transfer: [gateUp] });
    expect(() => layer.forward(randomActivations(2, 32, 2), 2)).toThrow(/MoeLayer.forward: a weight buffer was detached/);
  });

  it('keep memory-mapped weights mapped after every JavaScript reference to them is gone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'moe-bind-'));
    const path = join(dir, 'w.bin');
    writeFileSync(path, Buffer.from(new Float32Array([1, 2, 3, 4, 5, 6]).buffer));
    // Without the handle's hold the mapping would be unmapped by the collector and forward() would
    // read unmapped pages (SIGSEGV).
    const child = runChild(
      `import { bindLinear, mapFile } from './gpu-service/src/moe/index.ts';
       let op = bindLinear({ dtype: 'f32', shape: [2, 3], data: mapFile(${JSON.stringify(path)}) }, { device: 'cpu' });
       for (let i = 0; i < 20; i++) { new Uint8Array(1 << 22); globalThis.gc(); await new Promise((r) => setTimeout(r, 5)); }
       console.log(Array.from(op.forward(Float32Array.from([1, 1, 1]), 1)).join(','));`,
      ['--expose-gc'],
    );
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('6,15');
  });
});

describe('output arrays', () => {
  it('are never recycled while JavaScript still holds them', () => {
    // Outputs of 64 KiB and more come from native blocks that collected arrays hand back; a block
    // reused too early would overwrite a result still in use.
    const child = runChild(
      `import { bindLinear } from './gpu-service/src/moe/index.ts';
       const [N, K] = [1024, 64];
       const w = Float32Array.from({ length: N * K }, (_, i) => ((i * 7) % 13 - 6) / 8);
       const op = bindLinear({ dtype: 'f32', shape: [N, K], data: new Uint8Array(w.buffer) }, { device: 'cpu' });
       const kept = [];
       for (let i = 0; i < 40; i++) {
         const T = 32 + (i % 3);
         const y = op.forward(Float32Array.from({ length: T * K }, (_, j) => ((j + i) % 5) - 2), T);
         if (i % 4 === 0) kept.push([y, y.slice()]);
         globalThis.gc();
         await new Promise((r) => setImmediate(r));
       }
       console.log(kept.every(([y, copy]) => y.every((v, j) => v === copy[j])) ? 'intact' : 'overwritten');`,
      ['--expose-gc'],
    );
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('intact');
  });
});

describe('entry hardening', () => {
  it('refuses a shape whose byte size overflows (2^40 x 2^24 bf16 wrapped to 0 bytes and was accepted)', () => {
    const huge = { dtype: 'bf16' as const, shape: [2 ** 40, 2 ** 24], data: new Uint8Array(0) };
    expect(() => linear(new Float32Array(0), 0, huge)).toThrow(RangeError);
    expect(() => linear(new Float32Array(0), 0, huge)).toThrow(/w: element count overflows: 1099511627776 x 16777216/);
    const experts = weights.experts as Extract<MoeLayerWeights['experts'], { layout: 'per-expert' }>;
    const gate = [...experts.gate];
    gate[0] = huge;
    expect(() => bindMoeLayer(routing, { ...weights, experts: { ...experts, gate } })).toThrow(/weights.experts.gate\[0\]: element count overflows/);
    // Packed [E, rows, cols]: E x rows, then (E x rows) x cols.
    const packed = randomLayer({ ...spec, layout: 'packed' }, 6);
    const down = (packed.weights.experts as { down: Tensor }).down;
    const withGateUp = (shape: number[]) => ({
      ...packed.weights,
      experts: { layout: 'packed' as const, gateUp: { dtype: 'bf16' as const, shape, data: new Uint8Array(0) }, down },
    });
    expect(() => bindMoeLayer(packed.routing, withGateUp([2 ** 40, 2 ** 40, 1]))).toThrow(
      /weights.experts.gateUp: rows overflows: 1099511627776 x 1099511627776/,
    );
    expect(() => bindMoeLayer(packed.routing, withGateUp([8, 2 ** 40, 1]))).toThrow(/weights.experts.gateUp: E x rows \(8 x 1099511627776\) exceeds 2\^40/);
    expect(() => bindMoeLayer(packed.routing, withGateUp([1, 2 ** 40, 2 ** 24]))).toThrow(/weights.experts.gateUp: element count overflows/);
  });

  it('refuses for CUDA what its kernels cannot run, naming why, before CUDA is even asked for (the same error on every machine)', () => {
    const bad = randomLayer({ family: 'mixtral', experts: 8, topK: 2, hidden: 12, inter: 16, dtype: 'bf16', layout: 'packed' }, 3);
    expect(() => bindMoeLayer(bad.routing, bad.weights, { device: 'cuda' })).toThrow(/^weights: hidden size \(12\) must be a multiple of 8 on CUDA$/);
    expect(() => bindLinear({ dtype: 'bf16', shape: [4, 12], data: new Uint8Array(96) }, { device: 'cuda' })).toThrow(
      /^w: K \(shape\[1\]\) \(12\) must be a multiple of 8 on CUDA$/,
    );
    // The CPU runs them.
    expect(bindMoeLayer(bad.routing, bad.weights, { device: 'cpu' }).forward(randomActivations(2, 12, 1), 2).y).toHaveLength(24);
  });

  it('caps tokens per call at what the expert groups can index', () => {
    const w = { dtype: 'f32' as const, shape: [1, 1], data: new Uint8Array(4) };
    expect(() => linear(new Float32Array(0), 2 ** 31, w)).toThrow(/tokens must be at most 2147483647, got 2147483648/);
  });

  it('maps files copy-on-write: a write into the array neither crashes the process nor reaches the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'moe-map-'));
    const path = join(dir, 'w.bin');
    writeFileSync(path, Buffer.from([1, 2, 3, 4]));
    // A read-only mapping turns this write into SIGSEGV: run it in a child so a regression fails the test, not the runner.
    const child = runChild(
      `import { mapFile } from './gpu-service/src/moe/index.ts';
       const bytes = mapFile(${JSON.stringify(path)});
       bytes[0] = 9;
       console.log(bytes[0], bytes[1]);`,
    );
    expect(child.signal).toBeNull();
    expect(child.stdout.trim()).toBe('9 2');
    expect(Array.from(readFileSync(path))).toEqual([1, 2, 3, 4]);
  });
});
