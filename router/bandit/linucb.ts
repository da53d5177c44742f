import { z } from 'zod';
import { decodeFloat32, encodeFloat32 } from '../features/codec';

// LinUCB (Li et al. 2010), disjoint arms: each expert keeps A⁻¹ and b over the prompt context
// (the LSA embedding plus a bias). Updates are pure — a new state with one arm replaced — so the
// Worker can apply feedback and store the result as the next artifact version.

export const BANDIT_ARTIFACT = 'bandit-linucb';

export interface ArmState {
  /** dims × dims, row-major: inverse of A = I·ridge + Σ x xᵀ. */
  ainv: Float64Array;
  b: Float64Array;
  /** Rewards seen. */
  n: number;
}

export interface BanditState {
  /** Context size, bias included. */
  dims: number;
  /** Exploration width of the upper confidence bound. */
  alpha: number;
  arms: ReadonlyMap<string, ArmState>;
}

export const banditArtifactSchema = z.object({
  dims: z.number().int().positive(),
  alpha: z.number().nonnegative(),
  arms: z.record(z.string(), z.object({ ainv: z.string(), b: z.string(), n: z.number().int().nonnegative() })),
});
export type BanditArtifact = z.infer<typeof banditArtifactSchema>;

/** The context vector of a prompt: its embedding and a constant 1 (the arm's mean reward). */
export function banditContext(embedding: ArrayLike<number>): Float64Array {
  const x = new Float64Array(embedding.length + 1);
  x.set(Array.from(embedding));
  x[embedding.length] = 1;
  return x;
}

export function emptyArm(dims: number): ArmState {
  const ainv = new Float64Array(dims * dims);
  for (let i = 0; i < dims; i++) ainv[i * dims + i] = 1;
  return { ainv, b: new Float64Array(dims), n: 0 };
}

export function emptyBandit(dims: number, alpha: number, experts: readonly string[]): BanditState {
  return { dims, alpha, arms: new Map(experts.map((id) => [id, emptyArm(dims)])) };
}

/** The state after one reward for one expert on one context; the input state is not changed. */
export function banditUpdate(state: BanditState, context: ArrayLike<number>, expertId: string, reward: number): BanditState {
  if (context.length !== state.dims) throw new Error(`bandit context has ${context.length} dims, the state ${state.dims}`);
  if (!Number.isFinite(reward)) throw new Error('bandit reward must be a finite number');
  const arm = state.arms.get(expertId) ?? emptyArm(state.dims);
  const arms = new Map(state.arms);
  arms.set(expertId, updatedArm(arm, context, reward));
  return { ...state, arms };
}

/** Sherman-Morrison: (A + x xᵀ)⁻¹ = A⁻¹ − (A⁻¹x)(A⁻¹x)ᵀ / (1 + xᵀA⁻¹x). */
export function updatedArm(arm: ArmState, x: ArrayLike<number>, reward: number): ArmState {
  const d = arm.b.length;
  const ax = matVec(arm.ainv, x, d);
  let denom = 1;
  for (let i = 0; i < d; i++) denom += x[i]! * ax[i]!;
  const ainv = Float64Array.from(arm.ainv);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) ainv[i * d + j]! -= (ax[i]! * ax[j]!) / denom;
  const b = Float64Array.from(arm.b);
  for (let i = 0; i < d; i++) b[i]! += reward * x[i]!;
  return { ainv, b, n: arm.n + 1 };
}

/** Expected reward θᵀx and the confidence width √(xᵀA⁻¹x) of an arm on a context. */
export function armEstimate(arm: ArmState, x: ArrayLike<number>): { mean: number; width: number } {
  const d = arm.b.length;
  const ax = matVec(arm.ainv, x, d);
  let mean = 0;
  let width = 0;
  for (let i = 0; i < d; i++) {
    // θ = A⁻¹b, so θᵀx = bᵀ(A⁻¹x) (A⁻¹ is symmetric).
    mean += arm.b[i]! * ax[i]!;
    width += x[i]! * ax[i]!;
  }
  return { mean, width: Math.sqrt(Math.max(0, width)) };
}

function matVec(m: Float64Array, x: ArrayLike<number>, d: number): Float64Array {
  const out = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += m[i * d + j]! * x[j]!;
    out[i] = s;
  }
  return out;
}

export function banditToArtifact(state: BanditState): BanditArtifact {
  const arms: BanditArtifact['arms'] = {};
  for (const [id, a] of state.arms) arms[id] = { ainv: encodeFloat32(a.ainv), b: encodeFloat32(a.b), n: a.n };
  return { dims: state.dims, alpha: state.alpha, arms };
}

export function banditFromArtifact(data: unknown): BanditState {
  const a = banditArtifactSchema.parse(data);
  const arms = new Map<string, ArmState>();
  for (const [id, arm] of Object.entries(a.arms)) {
    const ainv = Float64Array.from(decodeFloat32(arm.ainv));
    const b = Float64Array.from(decodeFloat32(arm.b));
    if (ainv.length !== a.dims * a.dims || b.length !== a.dims) throw new Error(`${BANDIT_ARTIFACT}: arm '${id}' does not match dims ${a.dims}`);
    arms.set(id, { ainv, b, n: arm.n });
  }
  return { dims: a.dims, alpha: a.alpha, arms };
}
