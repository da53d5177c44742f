// Rotary position embedding frequencies for the config's theta and scaling (transformers'
// ROPE_INIT_FUNCTIONS), and the rotation itself in Llama's rotate-half layout.
import type { RopeScaling } from '../checkpoint/config.js';

export interface RopeTable {
  invFreq: Float64Array;
  /** Multiplies cos and sin (YaRN's attention factor); 1 otherwise. */
  scale: number;
}

export function ropeTable(headDim: number, theta: number, scaling: RopeScaling): RopeTable {
  const half = headDim / 2;
  const base = new Float64Array(half);
  for (let i = 0; i < half; i++) base[i] = 1 / theta ** ((2 * i) / headDim);
  switch (scaling.type) {
    case 'default':
      return { invFreq: base, scale: 1 };
    case 'linear':
      return { invFreq: base.map((f) => f / scaling.factor), scale: 1 };
    case 'llama3': {
      const lowWavelen = scaling.originalMaxPositions / scaling.lowFreqFactor;
      const highWavelen = scaling.originalMaxPositions / scaling.highFreqFactor;
      const invFreq = base.map((f) => {
        const wavelen = (2 * Math.PI) / f;
        if (wavelen > lowWavelen) return f / scaling.factor;
        if (wavelen < highWavelen) return f;
        const smooth = (scaling.originalMaxPositions / wavelen - scaling.lowFreqFactor) / (scaling.highFreqFactor - scaling.lowFreqFactor);
        return (1 - smooth) * (f / scaling.factor) + smooth * f;
      });
      return { invFreq, scale: 1 };
    }
    case 'yarn': {
      const correctionDim = (rotations: number) => (headDim * Math.log(scaling.originalMaxPositions / (rotations * 2 * Math.PI))) / (2 * Math.log(theta));
      const low = Math.max(Math.floor(correctionDim(scaling.betaFast)), 0);
      let high = Math.min(Math.ceil(correctionDim(scaling.betaSlow)), headDim - 1);
      if (low === high) high += 0.001;
      const invFreq = new Float64Array(half);
      for (let i = 0; i < half; i++) {
        const ramp = Math.min(Math.max((i - low) / (high - low), 0), 1);
        const extrapolationWeight = 1 - ramp;
        invFreq[i] = (base[i]! / scaling.factor) * (1 - extrapolationWeight) + base[i]! * extrapolationWeight;
      }
      return { invFreq, scale: scaling.attentionFactor };
    }
  }
}

/** cos and sin of every frequency at `pos`, times the table's scale, into `cos` and `sin` [headDim/2]. */
export function ropeAngles(pos: number, table: RopeTable, cos: Float64Array, sin: Float64Array): void {
  for (let i = 0; i < table.invFreq.length; i++) {
    const angle = pos * table.invFreq[i]!;
    cos[i] = Math.cos(angle) * table.scale;
    sin[i] = Math.sin(angle) * table.scale;
  }
}

/** Rotates one head vector in place by angles from ropeAngles (first half pairs with second half, as in HF Llama). */
export function rotateHalf(v: Float32Array, offset: number, cos: Float64Array, sin: Float64Array): void {
  const half = cos.length;
  for (let i = 0; i < half; i++) {
    const a = v[offset + i]!;
    const b = v[offset + half + i]!;
    v[offset + i] = a * cos[i]! - b * sin[i]!;
    v[offset + half + i] = b * cos[i]! + a * sin[i]!;
  }
}

/** Rotates one head vector in place at `pos`. */
export function applyRope(v: Float32Array, offset: number, headDim: number, pos: number, table: RopeTable): void {
  const cos = new Float64Array(headDim / 2);
  const sin = new Float64Array(headDim / 2);
  ropeAngles(pos, table, cos, sin);
  rotateHalf(v, offset, cos, sin);
}
