// bf16 / f16 <-> f32 conversions in TypeScript, bit-exact with gpu-service/native/src/numeric.h.
// Decoding feeds the reference implementation; encoding builds test and benchmark weights.
import type { DType } from './types.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function bytesPerElement(dtype: DType): number {
  return dtype === 'f32' ? 4 : 2;
}

export function bf16ToF32(h: number): number {
  u32[0] = h << 16;
  return f32[0]!;
}

/** Round-to-nearest-even, NaN kept quiet. */
export function f32ToBf16(v: number): number {
  f32[0] = v;
  const u = u32[0]!;
  if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) | 0x40) & 0xffff;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const man = h & 0x3ff;
  if (exp === 0x1f) return man ? NaN : sign * Infinity;
  if (exp === 0) return sign * man * 2 ** -24;
  return sign * (1 + man / 1024) * 2 ** (exp - 15);
}

/** Round-to-nearest-even f16 (overflow to inf). */
export function f32ToF16(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(Math.fround(v));
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | roundEven(a * 2 ** 24); // subnormal (may round up to min normal)
  let exp = Math.floor(Math.log2(a));
  if (2 ** exp > a) exp -= 1; // log2 rounding at exact powers of two
  let man = roundEven((a / 2 ** exp - 1) * 1024);
  if (man === 1024) {
    man = 0;
    exp += 1;
  }
  if (exp > 15) return sign | 0x7c00;
  return sign | ((exp + 15) << 10) | man;
}

function roundEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
}

/** Encodes f32 values as `dtype` bytes (little-endian). */
export function encode(values: ArrayLike<number>, dtype: DType): Uint8Array {
  const out = new Uint8Array(values.length * bytesPerElement(dtype));
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (dtype === 'f32') view.setFloat32(i * 4, v, true);
    else view.setUint16(i * 2, dtype === 'bf16' ? f32ToBf16(v) : f32ToF16(v), true);
  }
  return out;
}

/** Every f16 bit pattern decoded once: the forward pass decodes embedding rows on every step. */
const F16_TABLE = (() => {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) t[h] = f16ToF32(h);
  return t;
})();

/** Decodes `count` elements of raw little-endian `data`, from element `start`, into `out` at `outOffset`. */
export function decodeInto(data: Uint8Array, dtype: DType, start: number, count: number, out: Float32Array, outOffset = 0): void {
  if (dtype === 'f32') {
    const view = new DataView(data.buffer, data.byteOffset + start * 4, count * 4);
    for (let i = 0; i < count; i++) out[outOffset + i] = view.getFloat32(i * 4, true);
    return;
  }
  let p = start * 2;
  if (dtype === 'bf16') {
    for (let i = 0; i < count; i++, p += 2) {
      u32[0] = (data[p]! | (data[p + 1]! << 8)) << 16;
      out[outOffset + i] = f32[0]!;
    }
  } else {
    for (let i = 0; i < count; i++, p += 2) out[outOffset + i] = F16_TABLE[data[p]! | (data[p + 1]! << 8)]!;
  }
}

/** Decodes `count` elements starting at element `start` of raw little-endian bytes. */
export function decode(data: Uint8Array, dtype: DType, start: number, count: number): Float32Array {
  const out = new Float32Array(count);
  decodeInto(data, dtype, start, count, out);
  return out;
}
