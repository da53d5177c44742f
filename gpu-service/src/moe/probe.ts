// Machine probes used by the benchmark (bench/moe.bench.ts): what this machine can do, so the
// kernels can be reported as a fraction of it.
import { native } from './native.js';
import type { MoeDevice } from './types.js';

/** STREAM-style triad over `bytes` (default 768 MiB), GB/s: all OpenMP threads, or the GPU's HBM. */
export function measureBandwidth(bytes?: number, device: MoeDevice = 'cpu'): number {
  return native().measureBandwidth(bytes, device);
}

/** Measured arithmetic peak in GFLOP/s: f32 FMA, and bf16 dot products where AVX512-BF16 exists. */
export function measurePeak(): { f32?: number; bf16?: number } {
  return native().measurePeak();
}
