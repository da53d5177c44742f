// Safetensors format: u64 little-endian header length, a JSON header {name: {dtype, shape, data_offsets}},
// then the raw data section. Parsed and validated here; tensor data stays a view into the mapped file.
import type { DType, Tensor } from '../moe/types.js';
import { CheckpointError } from '../errors.js';

const DTYPES: Record<string, { dtype: DType; bytes: number }> = {
  BF16: { dtype: 'bf16', bytes: 2 },
  F16: { dtype: 'f16', bytes: 2 },
  F32: { dtype: 'f32', bytes: 4 },
};

export const DTYPE_BYTES: Record<DType, number> = { bf16: 2, f16: 2, f32: 4 };
export const SAFETENSORS_DTYPE: Record<DType, string> = { bf16: 'BF16', f16: 'F16', f32: 'F32' };

/** Headers larger than this are not real checkpoints (the reference implementation caps at 100 MB). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** Header length and size of the prefix to read before the header JSON can be parsed. */
export function headerLength(prefix: Uint8Array, file: string): number {
  if (prefix.byteLength < 8) throw new CheckpointError(`${file}: truncated, shorter than the 8-byte header length`);
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) throw new CheckpointError(`${file}: header length ${n} is implausible`);
  return Number(n);
}

/** Parses and validates a whole safetensors file held in `bytes` (normally a memory map). */
export function parseSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  const hlen = headerLength(bytes, file);
  if (8 + hlen > bytes.byteLength) {
    throw new CheckpointError(`${file}: truncated, header of ${hlen} bytes exceeds the file size ${bytes.byteLength}`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen)));
  } catch (e) {
    throw new CheckpointError(`${file}: header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new CheckpointError(`${file}: header is not a JSON object`);
  }
  const dataStart = 8 + hlen;
  const dataLen = bytes.byteLength - dataStart;
  const tensors = new Map<string, Tensor>();
  const spans: Array<[number, number, string]> = [];
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const entry = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dt = typeof entry?.dtype === 'string' ? DTYPES[entry.dtype] : undefined;
    if (!dt) throw new CheckpointError(`${file}: tensor '${name}' has unsupported dtype ${JSON.stringify(entry?.dtype)} (BF16, F16, F32 are served)`);
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new CheckpointError(`${file}: tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    }
    const off = entry.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new CheckpointError(`${file}: tensor '${name}' has invalid data_offsets ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as [number, number];
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end < begin || end - begin !== numel * dt.bytes) {
      throw new CheckpointError(
        `${file}: tensor '${name}' spans ${end - begin} bytes but shape ${JSON.stringify(shape)} of ${entry.dtype} needs ${numel * dt.bytes}`,
      );
    }
    if (end > dataLen) {
      throw new CheckpointError(`${file}: truncated, tensor '${name}' ends at byte ${end} of a ${dataLen}-byte data section`);
    }
    spans.push([begin, end, name]);
    tensors.set(name, { dtype: dt.dtype, shape: shape as number[], data: bytes.subarray(dataStart + begin, dataStart + end) });
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    const prev = spans[i - 1]!;
    const cur = spans[i]!;
    if (cur[0] < prev[1]) throw new CheckpointError(`${file}: tensors '${prev[2]}' and '${cur[2]}' overlap`);
  }
  return { tensors, metadata };
}

/** The length prefix and JSON header of a safetensors file whose data section holds `entries` in order. */
export function safetensorsHeader(entries: Array<{ name: string; dtype: DType; shape: number[] }>, metadata: Record<string, string> = {}): Uint8Array[] {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const { name, dtype, shape } of entries) {
    const bytes = shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
    header[name] = { dtype: SAFETENSORS_DTYPE[dtype], shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Padded to 8 bytes, as the reference writer does.
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  return [prefix, headerBytes];
}

/** Serialises tensors to the safetensors format. */
export function serializeSafetensors(tensors: Array<[string, Tensor]>, metadata: Record<string, string> = {}): Uint8Array[] {
  return [
    ...safetensorsHeader(
      tensors.map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape })),
      metadata,
    ),
    ...tensors.map(([, t]) => t.data),
  ];
}
