// The addon's boundary: bad inputs raise clear JS errors (never crash the process), the device
// and ISA report, CONCLAVE_MOE_DEVICE, and mapFile's zero-copy views.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deviceInfo, linear, mapFile, moeDevice, moeForward, referenceMoeForward } from '../../gpu-service/src/moe/index.js';
import type { MoeLayerWeights, MoeRouting } from '../../gpu-service/src/moe/index.js';
import { randomActivations, randomLayer } from '../../gpu-service/src/moe/fixtures.js';

const spec = { family: 'qwen3_moe', experts: 8, topK: 2, hidden: 32, inter: 16, dtype: 'bf16', layout: 'per-expert' } as const;
const { routing, weights } = randomLayer(spec, 5);
const x = randomActivations(3, spec.hidden, 6);
const run = (r: MoeRouting, w: MoeLayerWeights, input = x, tokens = 3) => moeForward(input, tokens, r, w, { device: 'cpu' });

describe('moeForward rejects bad inputs with clear errors', () => {
  it('x length that does not match tokens x hidden', () => {
    expect(() => run(routing, weights, x, 4)).toThrow(RangeError);
    expect(() => run(routing, weights, x, 4)).toThrow(/x has 96 values, expected tokens \(4\) x hidden \(32\)/);
  });

  it('x that is not a Float32Array', () => {
    expect(() => moeForward(new Float64Array(96) as unknown as Float32Array, 3, routing, weights)).toThrow(/x must be a Float32Array/);
  });

  it('topK larger than numExperts', () => {
    expect(() => run({ ...routing, topK: 9 }, weights)).toThrow(/routing.topK \(9\) must be in 1..numExperts \(8\)/);
  });

  it('unknown dtype, naming the tensor', () => {
    const bad = { ...weights, router: { ...weights.router, dtype: 'int8' } } as unknown as MoeLayerWeights;
    expect(() => run(routing, bad)).toThrow(TypeError);
    expect(() => run(routing, bad)).toThrow(/weights.router.dtype: unknown dtype 'int8'/);
  });

  it('expert tensor with the wrong shape or byte length', () => {
    const experts = weights.experts;
    if (experts.layout !== 'per-expert') throw new Error('fixture layout');
    const gate = [...experts.gate];
    gate[3] = { ...gate[3]!, shape: [16, 31] };
    expect(() => run(routing, { ...weights, experts: { ...experts, gate } })).toThrow(/weights.experts.gate\[3\]/);
    const up = [...experts.up];
    up[1] = { ...up[1]!, shape: [8, 32], data: up[1]!.data.subarray(0, 8 * 32 * 2) };
    expect(() => run(routing, { ...weights, experts: { ...experts, up } })).toThrow(
      /weights.experts.up\[1\]: shape \[8,32\] does not match expected \[16,32\]/,
    );
  });

  it('packed tensors with a wrong leading dim', () => {
    const packed = randomLayer({ ...spec, layout: 'packed' }, 5).weights;
    expect(() => run({ ...routing, numExperts: 4, topK: 2 }, { ...packed, router: { ...packed.router, shape: [4, 64] } })).toThrow(RangeError);
  });

  it('router / expert count mismatch', () => {
    expect(() => run({ ...routing, numExperts: 7 }, weights)).toThrow(/weights.router: shape \[8,32\] does not match expected \[7,32\]/);
  });

  it('bad group settings and unknown family', () => {
    expect(() => run({ ...routing, nGroup: 3 }, weights)).toThrow(/nGroup \(3\)/);
    expect(() => run({ ...routing, family: 'gpt' as MoeRouting['family'] }, weights)).toThrow(/unknown family 'gpt'/);
  });

  it('NaN / Inf in x is rejected naming the token (the same policy as the reference)', () => {
    const bad = x.slice();
    bad[2 * spec.hidden + 5] = NaN;
    expect(() => run(routing, weights, bad)).toThrow(/x\[token 2, dim 5\] is NaN/);
    expect(() => referenceMoeForward(bad, 3, routing, weights)).toThrow(/x\[token 2, dim 5\] is NaN/);
    bad[2 * spec.hidden + 5] = Infinity;
    expect(() => run(routing, weights, bad)).toThrow(/x\[token 2, dim 5\] is infinite/);
  });

  it('NaN in weights propagates to y instead of picking arbitrary experts', () => {
    const r = randomLayer({ ...spec, dtype: 'f32' }, 5);
    const router = new Float32Array(r.weights.router.data.slice().buffer);
    router.fill(NaN);
    const out = run(r.routing, { ...r.weights, router: { ...r.weights.router, data: new Uint8Array(router.buffer) } });
    expect(Array.from(out.topkIds.subarray(0, 2))).toEqual([0, 1]);
    expect(Number.isNaN(out.y[0])).toBe(true);
  });

  it('linear: K mismatch and byte length mismatch', () => {
    const w = { dtype: 'f32' as const, shape: [4, 8], data: new Uint8Array(4 * 8 * 4) };
    expect(() => linear(new Float32Array(9), 1, w)).toThrow(/x has 9 values, expected tokens \(1\) x hidden \(8\)/);
    expect(() => linear(new Float32Array(8), 1, { ...w, data: new Uint8Array(10) })).toThrow(/w.data has 10 bytes/);
  });

  it('an unsupported cpuIsa is refused', () => {
    expect(() => moeForward(x, 3, routing, weights, { cpuIsa: 'sse' as 'avx2' })).toThrow(/unknown ISA 'sse'/);
  });
});

describe('devices', () => {
  const saved = process.env.CONCLAVE_MOE_DEVICE;
  afterEach(() => {
    if (saved === undefined) delete process.env.CONCLAVE_MOE_DEVICE;
    else process.env.CONCLAVE_MOE_DEVICE = saved;
  });

  it('reports CPU features and the CUDA status', () => {
    const info = deviceInfo();
    expect(info.cpu.isas[0]).toBe('portable');
    expect(info.cpu.isas).toContain(info.cpu.bestIsa);
    expect(info.cpu.threads).toBeGreaterThan(0);
    if (!info.cuda.available) expect(info.cuda.reason).toMatch(/\w/);
    else expect(info.cuda.name).toMatch(/\w/);
  });

  it('CONCLAVE_MOE_DEVICE forces the device and is validated', () => {
    process.env.CONCLAVE_MOE_DEVICE = 'cpu';
    expect(moeDevice()).toBe('cpu');
    process.env.CONCLAVE_MOE_DEVICE = 'tpu';
    expect(() => moeDevice()).toThrow(/CONCLAVE_MOE_DEVICE: unknown device 'tpu'/);
    if (!deviceInfo().cuda.available) {
      process.env.CONCLAVE_MOE_DEVICE = 'cuda';
      expect(() => moeForward(x, 3, routing, weights)).toThrow(/CONCLAVE_MOE_DEVICE asks for cuda but CUDA is unavailable/);
    }
  });
});

describe('CONCLAVE_MOE_ISA', () => {
  // Read once per process, so each case runs in a child.
  const probe = (isa: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', '-e', "import('./gpu-service/src/moe/index.ts').then((m) => console.log(m.deviceInfo().cpu.defaultIsa))"], {
      encoding: 'utf8',
      env: { ...process.env, CONCLAVE_MOE_ISA: isa },
    });

  it('caps the default kernels', () => {
    const run = probe('avx2');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('avx2');
  });

  it('refuses an unknown name, naming the variable', () => {
    const run = probe('sse9');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/CONCLAVE_MOE_ISA: unknown ISA 'sse9'/);
  });
});

describe('mapFile', () => {
  it('maps a file read-only as bytes usable as tensor data', () => {
    const dir = mkdtempSync(join(tmpdir(), 'moe-map-'));
    const path = join(dir, 'w.bin');
    const values = Float32Array.from([1, 2, 3, 4, 5, 6]);
    writeFileSync(path, Buffer.concat([Buffer.from('hdr!'), Buffer.from(values.buffer)]));
    const bytes = mapFile(path);
    expect(bytes.length).toBe(4 + 24);
    const w = { dtype: 'f32' as const, shape: [2, 3], data: bytes.subarray(4) }; // unaligned-safe view
    expect(Array.from(linear(Float32Array.from([1, 1, 1]), 1, w, { device: 'cpu' }))).toEqual([6, 15]);
    expect(() => mapFile(join(dir, 'missing.bin'))).toThrow(/cannot open/);
  });

  // Linux with transparent huge pages: the mapping carries MADV_HUGEPAGE ('hg' in its VmFlags), so
  // weights the page cache reads in under it come in 2 MiB folios.
  const thp = '/sys/kernel/mm/transparent_hugepage/enabled';
  it.skipIf(!existsSync(thp) || readFileSync(thp, 'utf8').includes('[never]'))('asks the kernel for 2 MiB pages', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'moe-map-')), 'w.bin');
    writeFileSync(path, Buffer.alloc(1 << 20));
    const bytes = mapFile(path);
    const vma = readFileSync('/proc/self/smaps', 'utf8')
      .split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)
      .find((block) => block.split('\n')[0]!.endsWith(path));
    expect(vma).toMatch(/^VmFlags:.* hg/m);
    expect(bytes.length).toBe(1 << 20);
  });
});
