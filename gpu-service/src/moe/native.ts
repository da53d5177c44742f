// Loads the compiled addon (gpu-service/native, built by `npm install`) lazily, so importing this
// package never fails on a machine where only the types are needed.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AttentionShape, DeviceInfo, MoeDevice, MoeForwardResult, MoeLayerWeights, MoeRouting, Tensor } from './types.js';

/** A native handle over weights validated and bound once (and on CUDA, uploaded once). */
interface NativeBound<R> {
  readonly device: MoeDevice;
  forward(x: Float32Array, tokens: number, cpuIsa: string | undefined): R;
  dispose(): void;
}
export interface NativeMoeLayer extends NativeBound<MoeForwardResult> {
  forward(x: Float32Array, tokens: number, cpuIsa: string | undefined, outputTokens?: Int32Array): MoeForwardResult;
}
export type NativeLinear = NativeBound<Float32Array>;

export interface NativeAddon {
  MoeLayer: new (routing: MoeRouting, weights: MoeLayerWeights, device: MoeDevice | undefined) => NativeMoeLayer;
  Linear: new (w: Tensor, device: MoeDevice | undefined, repack: boolean | undefined) => NativeLinear;
  mapFile(path: string): Uint8Array;
  attention(q: Float32Array, keys: Float32Array, values: Float32Array, shape: AttentionShape, out: Float32Array): void;
  rmsNorm(x: Float32Array, rows: number, dim: number, weight: Float32Array, eps: number, out: Float32Array): void;
  resolveDevice(device: MoeDevice | undefined): MoeDevice;
  deviceInfo(): DeviceInfo;
  measureBandwidth(bytes: number | undefined, device: MoeDevice): number;
  measurePeak(): { f32?: number; bf16?: number };
}

const here = dirname(fileURLToPath(import.meta.url));
/** cmake-js writes the module to native/build/<config>/. */
const candidates = ['Release', 'Debug'].map((c) => join(here, '..', '..', 'native', 'build', c, 'conclave_moe.node'));

let addon: NativeAddon | undefined;

export function native(): NativeAddon {
  if (addon) return addon;
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    throw new Error(
      `conclave MoE addon not built (looked for ${candidates.join(', ')}); run \`npm install\` at the repo root or \`npm run -w gpu-service build:native\``,
    );
  }
  addon = createRequire(import.meta.url)(path) as NativeAddon;
  return addon;
}
