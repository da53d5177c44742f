// Bad checkpoints fail with a CheckpointError naming the file, field or tensor at fault.
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../gpu-service/src/checkpoint/load.js';
import { parseModelConfig } from '../../gpu-service/src/checkpoint/config.js';
import { parseSafetensors, serializeSafetensors } from '../../gpu-service/src/checkpoint/safetensors.js';
import { ensureDemoCheckpoint } from '../../gpu-service/src/demo/write.js';
import { DEMO_SPECS } from '../../gpu-service/src/demo/families.js';
import { CheckpointError } from '../../gpu-service/src/errors.js';
import { ropeTable } from '../../gpu-service/src/model/rope.js';
import { loadService } from '../../gpu-service/src/service.js';

const scratch = mkdtempSync(join(tmpdir(), 'conclave-ckpt-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;

/** A fresh copy of a demo checkpoint to break. */
function copyOf(family: 'mixtral' | 'qwen2_moe'): string {
  const dir = join(scratch, `c${n++}`);
  cpSync(ensureDemoCheckpoint(family), dir, { recursive: true });
  return dir;
}

/** Rewrites model.safetensors' header through `edit`, keeping the data section. */
function editHeader(dir: string, edit: (h: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>) => void): void {
  const path = join(dir, 'model.safetensors');
  const bytes = readFileSync(path);
  const hlen = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + hlen).toString('utf8'));
  edit(header);
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([prefix, json, bytes.subarray(8 + hlen)]));
}

function expectCheckpointError(fn: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(CheckpointError);
  expect((caught as Error).message).toMatch(pattern);
}

describe('safetensors', () => {
  it('round-trips a serialised file', () => {
    const data = new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer);
    const bytes = Buffer.concat(serializeSafetensors([['w', { dtype: 'f32', shape: [2, 3], data }]], { format: 'pt' }));
    const f = parseSafetensors(bytes, 'x.safetensors');
    expect(f.metadata).toEqual({ format: 'pt' });
    expect(f.tensors.get('w')!.shape).toEqual([2, 3]);
    expect(new Float32Array(new Uint8Array(f.tensors.get('w')!.data).buffer)).toEqual(new Float32Array([1, 2, 3, 4, 5, 6]));
  });

  it('rejects a file shorter than its header', () => {
    expectCheckpointError(() => parseSafetensors(new Uint8Array(4), 'a.safetensors'), /a\.safetensors: truncated/);
  });
});

describe('bad checkpoints', () => {
  it('names the tensor cut off by truncation', () => {
    const dir = copyOf('mixtral');
    truncateSync(join(dir, 'model.safetensors'), 1_000_000);
    expectCheckpointError(() => loadCheckpoint(dir), /truncated, tensor '.+' ends at byte/);
  });

  it('names a tensor of an unsupported dtype', () => {
    const dir = copyOf('mixtral');
    editHeader(dir, (h) => (h['model.norm.weight']!.dtype = 'I8'));
    expectCheckpointError(() => loadCheckpoint(dir), /tensor 'model\.norm\.weight' has unsupported dtype "I8"/);
  });

  it('names a tensor whose byte span does not match its shape', () => {
    const dir = copyOf('mixtral');
    editHeader(dir, (h) => (h['model.norm.weight']!.shape = [65]));
    expectCheckpointError(() => loadCheckpoint(dir), /tensor 'model\.norm\.weight' spans 128 bytes but shape \[65\]/);
  });

  it('names overlapping tensors', () => {
    const dir = copyOf('mixtral');
    editHeader(dir, (h) => {
      const begin = h['lm_head.weight']!.data_offsets[0]!;
      h['model.norm.weight']!.data_offsets = [begin, begin + 128];
    });
    expectCheckpointError(() => loadCheckpoint(dir), /overlap/);
  });

  it('names a missing tensor', () => {
    const dir = copyOf('mixtral');
    editHeader(dir, (h) => delete h['model.layers.1.block_sparse_moe.experts.3.w2.weight']);
    expectCheckpointError(() => loadCheckpoint(dir), /tensor 'model\.layers\.1\.block_sparse_moe\.experts\.3\.w2\.weight' is missing/);
  });

  it('names a tensor of the wrong shape', () => {
    const dir = copyOf('mixtral');
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, intermediate_size: 128 }));
    expectCheckpointError(
      () => loadCheckpoint(dir),
      /tensor 'model\.layers\.0\.block_sparse_moe\.experts\.0\.w1\.weight' has shape \[96,64\], expected \[128,64\]/,
    );
  });

  it('names a shard missing from a sharded checkpoint', () => {
    const dir = copyOf('qwen2_moe');
    unlinkSync(join(dir, 'model-00002-of-00002.safetensors'));
    expectCheckpointError(() => loadCheckpoint(dir), /model-00002-of-00002\.safetensors: shard listed in the index is missing/);
  });

  it('names a tensor listed in the index but absent from its shard', () => {
    const dir = copyOf('qwen2_moe');
    const path = join(dir, 'model.safetensors.index.json');
    const index = JSON.parse(readFileSync(path, 'utf8'));
    index.weight_map['model.layers.0.mlp.extra.weight'] = 'model-00001-of-00002.safetensors';
    writeFileSync(path, JSON.stringify(index));
    expectCheckpointError(() => loadCheckpoint(dir), /tensor 'model\.layers\.0\.mlp\.extra\.weight' listed in the index is missing/);
  });

  it('names a missing config field, a bad config and missing files', () => {
    const { num_local_experts: _, ...rest } = DEMO_SPECS.mixtral.config;
    expectCheckpointError(() => parseModelConfig(rest), /field 'num_local_experts' is missing/);
    expectCheckpointError(() => parseModelConfig({ ...DEMO_SPECS.olmoe.config, hidden_size: 'big' }), /field 'hidden_size'/);
    expectCheckpointError(() => parseModelConfig({ model_type: 'deepseek_v3' }), /deepseek_v3.*not supported yet/);
    expectCheckpointError(() => parseModelConfig({ model_type: 'llama' }), /not a served MoE family/);
    expectCheckpointError(() => parseModelConfig({ ...DEMO_SPECS.olmoe.config, hidden_act: 'gelu' }), /field 'hidden_act' 'gelu' is not supported/);
    const dir = copyOf('mixtral');
    unlinkSync(join(dir, 'model.safetensors'));
    expectCheckpointError(() => loadCheckpoint(dir), /neither model\.safetensors nor model\.safetensors\.index\.json/);
    writeFileSync(join(dir, 'config.json'), '{');
    expectCheckpointError(() => loadCheckpoint(dir), /config\.json: not valid JSON/);
  });
});

describe('sliding-window configs', () => {
  it('reads the window only where the family turns it on', () => {
    expect(parseModelConfig({ ...DEMO_SPECS.mixtral.config, sliding_window: 1024 }).slidingWindow).toBe(1024);
    expect(parseModelConfig({ ...DEMO_SPECS.mixtral.config, sliding_window: null }).slidingWindow).toBeNull();
    expect(parseModelConfig({ ...DEMO_SPECS.qwen2_moe.config, sliding_window: 1024 }).slidingWindow).toBeNull();
    expect(parseModelConfig({ ...DEMO_SPECS.qwen2_moe.config, sliding_window: 1024, use_sliding_window: true }).slidingWindow).toBe(1024);
  });

  it('caps the served context at the window, where full attention still equals it', () => {
    const dir = copyOf('mixtral');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...DEMO_SPECS.mixtral.config, sliding_window: 128 }));
    expect(loadService(dir).limits.maxContext).toBe(128);
    expect(loadService(dir, { limits: { maxContext: 1024 } }).limits.maxContext).toBe(128);
  });
});

describe('rope', () => {
  it('follows the base frequencies and the linear / llama3 scalings', () => {
    const base = ropeTable(8, 10000, { type: 'default' }).invFreq;
    expect(Array.from(base)).toEqual([1, 10000 ** -0.25, 10000 ** -0.5, 10000 ** -0.75]);
    expect(ropeTable(8, 10000, { type: 'linear', factor: 4 }).invFreq[1]).toBeCloseTo(base[1]! / 4, 12);
    // llama3: the highest frequency (short wavelength) is kept, the lowest divided by the factor.
    const l3 = ropeTable(8, 500000, { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 }).invFreq;
    expect(l3[0]).toBe(1);
    expect(l3[3]).toBeCloseTo(500000 ** -0.75 / 8, 15);
    const yarn = ropeTable(8, 10000, { type: 'yarn', factor: 4, originalMaxPositions: 2048, betaFast: 32, betaSlow: 1, attentionFactor: 1.1386 });
    expect(yarn.scale).toBe(1.1386);
    expect(yarn.invFreq[0]).toBe(1);
  });
});
