// The GGUF container (version 3), written from its specification: magic, version, tensor and key/value
// counts, typed metadata, tensor descriptors (dimensions innermost first), then the tensor data, each
// tensor starting at a multiple of `general.alignment` from the start of the data section.
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { DType } from '../moe/types.js';

const MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
const VERSION = 3;
export const ALIGNMENT = 32;

/** Metadata value types of the specification. */
enum ValueType {
  U32 = 4,
  I32 = 5,
  F32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
}

/** ggml tensor types the exporter writes: the checkpoint's own dtypes. */
export const GGML_TYPE: Record<DType, number> = { f32: 0, f16: 1, bf16: 30 };

export type MetadataValue =
  | { type: 'u32'; value: number }
  | { type: 'i32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'strings'; value: string[] }
  | { type: 'f32s'; value: ArrayLike<number> }
  | { type: 'i32s'; value: ArrayLike<number> };

export interface GgufTensor {
  name: string;
  /** Row-major shape as in PyTorch (outermost first); written innermost first as GGUF wants. */
  shape: number[];
  dtype: DType;
  /** The tensor's bytes, in order, as one or more chunks (rows gathered from mapped shards). */
  chunks(): Iterable<Uint8Array>;
}

/** Growable little-endian byte buffer for the header. */
class ByteWriter {
  private buf = Buffer.alloc(1 << 16);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }

  i32(v: number): void {
    this.room(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
  }

  u64(v: number): void {
    this.room(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }

  f32(v: number): void {
    this.room(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.length++] = v;
  }

  string(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.u64(n);
    this.room(n);
    this.buf.write(s, this.length, 'utf8');
    this.length += n;
  }

  pad(alignment: number): void {
    const n = (alignment - (this.length % alignment)) % alignment;
    this.room(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function writeValue(w: ByteWriter, v: MetadataValue): void {
  const array = (type: ValueType, n: number) => {
    w.u32(ValueType.ARRAY);
    w.u32(type);
    w.u64(n);
  };
  switch (v.type) {
    case 'u32':
      w.u32(ValueType.U32);
      w.u32(v.value);
      return;
    case 'i32':
      w.u32(ValueType.I32);
      w.i32(v.value);
      return;
    case 'f32':
      w.u32(ValueType.F32);
      w.f32(v.value);
      return;
    case 'bool':
      w.u32(ValueType.BOOL);
      w.u8(v.value ? 1 : 0);
      return;
    case 'string':
      w.u32(ValueType.STRING);
      w.string(v.value);
      return;
    case 'strings':
      array(ValueType.STRING, v.value.length);
      for (const s of v.value) w.string(s);
      return;
    case 'f32s':
      array(ValueType.F32, v.value.length);
      for (let i = 0; i < v.value.length; i++) w.f32(v.value[i]!);
      return;
    case 'i32s':
      array(ValueType.I32, v.value.length);
      for (let i = 0; i < v.value.length; i++) w.i32(v.value[i]!);
      return;
  }
}

const BYTES: Record<DType, number> = { f32: 4, f16: 2, bf16: 2 };

function tensorBytes(t: GgufTensor): number {
  return t.shape.reduce((a, b) => a * b, 1) * BYTES[t.dtype];
}

/** Header bytes (everything before the data section) and each tensor's offset in the data section. */
export function encodeHeader(metadata: Map<string, MetadataValue>, tensors: GgufTensor[]): { header: Buffer; offsets: number[] } {
  const w = new ByteWriter();
  w.u32(MAGIC);
  w.u32(VERSION);
  w.u64(tensors.length);
  w.u64(metadata.size);
  for (const [key, value] of metadata) {
    w.string(key);
    writeValue(w, value);
  }
  const offsets: number[] = [];
  let offset = 0;
  for (const t of tensors) {
    w.string(t.name);
    w.u32(t.shape.length);
    for (let d = t.shape.length - 1; d >= 0; d--) w.u64(t.shape[d]!);
    w.u32(GGML_TYPE[t.dtype]);
    w.u64(offset);
    offsets.push(offset);
    offset += tensorBytes(t);
    offset += (ALIGNMENT - (offset % ALIGNMENT)) % ALIGNMENT;
  }
  w.pad(ALIGNMENT);
  return { header: w.bytes(), offsets };
}

/**
 * Writes a GGUF file: to `path`.tmp first, renamed when complete, so a failed or interrupted export
 * never leaves a truncated file behind under the final name. Returns the file size.
 */
export function writeGguf(path: string, metadata: Map<string, MetadataValue>, tensors: GgufTensor[]): number {
  const names = new Set<string>();
  for (const t of tensors) {
    if (names.has(t.name)) throw new Error(`GGUF: tensor '${t.name}' written twice`);
    names.add(t.name);
  }
  const { header, offsets } = encodeHeader(metadata, tensors);
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  let size = 0;
  try {
    size = writeAll(fd, header);
    const zeros = new Uint8Array(ALIGNMENT);
    tensors.forEach((t, i) => {
      const start = header.length + offsets[i]!;
      if (size < start) size += writeAll(fd, zeros.subarray(0, start - size));
      let written = 0;
      for (const chunk of t.chunks()) written += writeAll(fd, chunk);
      if (written !== tensorBytes(t))
        throw new Error(`GGUF: tensor '${t.name}' produced ${written} bytes, its shape [${t.shape}] of ${t.dtype} needs ${tensorBytes(t)}`);
      size += written;
    });
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  return size;
}

function writeAll(fd: number, bytes: Uint8Array): number {
  let off = 0;
  while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
  return bytes.byteLength;
}
