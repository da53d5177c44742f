import type { PromptFeatures } from '../features/featurizer';
import { UNKNOWN, type LabelMatrix } from '../learned/labels';
import { banditContext, type ArmState, type BanditState } from './linucb';

// A bandit that starts from zero explores blindly for thousands of requests. Recorded outcomes
// are full-information feedback (every called expert's correctness is known), so each arm starts
// from the ridge regression of its correctness on the context: A = I + Σ x xᵀ, b = Σ y x — the
// state LinUCB would reach after seeing those rewards, computed with one inversion per arm.

export const DEFAULT_BANDIT_ALPHA = 0.3;

export function warmStartBandit(features: readonly PromptFeatures[], labels: LabelMatrix, alpha = DEFAULT_BANDIT_ALPHA): BanditState {
  const contexts = features.map((f) => banditContext(f.dense));
  const d = contexts[0]?.length ?? 1;
  const m = labels.experts.length;
  const arms = new Map<string, ArmState>();
  labels.experts.forEach((id, e) => {
    const a = new Float64Array(d * d);
    for (let i = 0; i < d; i++) a[i * d + i] = 1;
    const b = new Float64Array(d);
    let n = 0;
    contexts.forEach((x, r) => {
      const y = labels.values[r * m + e]!;
      if (y === UNKNOWN) return;
      n++;
      for (let i = 0; i < d; i++) {
        b[i]! += y * x[i]!;
        for (let j = 0; j < d; j++) a[i * d + j]! += x[i]! * x[j]!;
      }
    });
    arms.set(id, { ainv: invert(a, d), b, n });
  });
  return { dims: d, alpha, arms };
}

/** Gauss-Jordan inverse with partial pivoting of a symmetric positive-definite matrix. */
function invert(input: Float64Array, d: number): Float64Array {
  const a = Float64Array.from(input);
  const inv = new Float64Array(d * d);
  for (let i = 0; i < d; i++) inv[i * d + i] = 1;
  for (let c = 0; c < d; c++) {
    let pivot = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(a[r * d + c]!) > Math.abs(a[pivot * d + c]!)) pivot = r;
    if (pivot !== c) {
      for (let j = 0; j < d; j++) {
        [a[c * d + j], a[pivot * d + j]] = [a[pivot * d + j]!, a[c * d + j]!];
        [inv[c * d + j], inv[pivot * d + j]] = [inv[pivot * d + j]!, inv[c * d + j]!];
      }
    }
    const p = a[c * d + c]!;
    for (let j = 0; j < d; j++) {
      a[c * d + j]! /= p;
      inv[c * d + j]! /= p;
    }
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = a[r * d + c]!;
      if (f === 0) continue;
      for (let j = 0; j < d; j++) {
        a[r * d + j]! -= f * a[c * d + j]!;
        inv[r * d + j]! -= f * inv[c * d + j]!;
      }
    }
  }
  return inv;
}
