// The serving code's single door to the compute kernels. The native addon (issue #5) exports these from
// gpu-service/src/moe/index.ts; until that module lands this file binds the plain TypeScript reference.
import { readFileSync } from 'node:fs';
import type { MoeDevice, MoeForwardResult, MoeLayerWeights, MoeRouting, Tensor } from '../moe/types.js';
import { referenceLinear, referenceMoe } from '../reference/kernels.js';

export interface Kernels {
  linear(x: Float32Array, tokens: number, w: Tensor): Float32Array;
  moeForward(x: Float32Array, tokens: number, routing: MoeRouting, weights: MoeLayerWeights): MoeForwardResult | Promise<MoeForwardResult>;
  mapFile(path: string): Uint8Array;
  device: MoeDevice;
}

export const kernels: Kernels = {
  linear: referenceLinear,
  moeForward: referenceMoe,
  mapFile: (path) => readFileSync(path),
  device: 'cpu',
};
