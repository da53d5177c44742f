// Random MoE layers of every supported family, dtype and layout, for the tests (test/gpu/moe*)
// and the benchmark. Seeded, so a failing case reproduces exactly.
import { mulberry32 } from '../random.js';
import { encode } from './dtype.js';
import type { DType, ExpertWeights, MoeFamily, MoeLayerWeights, MoeRouting, Tensor } from './types.js';

export interface LayerSpec {
  family: MoeFamily;
  experts: number;
  topK: number;
  hidden: number;
  inter: number;
  dtype: DType;
  layout: 'per-expert' | 'packed';
  /** Shared-expert intermediate size (Qwen2-MoE, DeepSeek); omitted = none. */
  sharedInter?: number;
}

/** Each family's routing semantics as its config.json sets them. */
export function routingFor(family: MoeFamily, experts: number, topK: number): MoeRouting {
  const base = { family, numExperts: experts, topK, scoring: 'softmax' as const, routedScalingFactor: 1, nGroup: 1, topkGroup: 1 };
  // DeepSeek groups: 4 groups, 2 kept, as long as the kept groups can supply topK experts.
  const groups = experts % 4 === 0 && (experts / 4) * 2 >= topK ? { nGroup: 4, topkGroup: 2 } : {};
  switch (family) {
    case 'mixtral':
    case 'qwen3_moe':
      return { ...base, normTopkProb: true };
    case 'qwen2_moe':
    case 'olmoe':
      return { ...base, normTopkProb: false };
    case 'deepseek_v2':
      return { ...base, normTopkProb: false, routedScalingFactor: 16, ...groups };
    case 'deepseek_v3':
      return { ...base, scoring: 'sigmoid', normTopkProb: true, routedScalingFactor: 2.5, ...groups };
  }
}

export function randomActivations(tokens: number, hidden: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: tokens * hidden }, () => r() * 2 - 1);
}

function randomTensor(shape: number[], scale: number, dtype: DType, r: () => number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
  return { dtype, shape, data: encode(values, dtype) };
}

export function randomLayer(spec: LayerSpec, seed: number): { routing: MoeRouting; weights: MoeLayerWeights } {
  const { experts: E, hidden: H, inter: I, dtype } = spec;
  const r = mulberry32(seed);
  const routing = routingFor(spec.family, E, spec.topK);
  // Router rows scaled so logits spread over a few units: distinct, non-tied expert scores.
  const router = randomTensor([E, H], 4 / Math.sqrt(H), dtype, r);
  const inScale = 1 / Math.sqrt(H);
  const downScale = 1 / Math.sqrt(I);
  let experts: ExpertWeights;
  if (spec.layout === 'packed') {
    experts = { layout: 'packed', gateUp: randomTensor([E, 2 * I, H], inScale, dtype, r), down: randomTensor([E, H, I], downScale, dtype, r) };
  } else {
    const per = (shape: number[], scale: number) => Array.from({ length: E }, () => randomTensor(shape, scale, dtype, r));
    experts = { layout: 'per-expert', gate: per([I, H], inScale), up: per([I, H], inScale), down: per([H, I], downScale) };
  }
  const weights: MoeLayerWeights = { router, experts };
  if (spec.family === 'deepseek_v3') weights.scoreCorrectionBias = randomTensor([E], 0.1, 'f32', r);
  if (spec.sharedInter) {
    const Is = spec.sharedInter;
    weights.shared = {
      gate: randomTensor([Is, H], inScale, dtype, r),
      up: randomTensor([Is, H], inScale, dtype, r),
      down: randomTensor([H, Is], 1 / Math.sqrt(Is), dtype, r),
    };
    if (spec.family === 'qwen2_moe') weights.shared.sharedGate = randomTensor([1, H], inScale, dtype, r);
  }
  return { routing, weights };
}

/** Small shapes covering every family x dtype x layout, SIMD tails (H, I not multiples of 32) and AMX-sized blocks. */
export function testCases(): Array<{ name: string; spec: LayerSpec; tokens: number }> {
  const families: MoeFamily[] = ['mixtral', 'qwen2_moe', 'qwen3_moe', 'olmoe', 'deepseek_v2', 'deepseek_v3'];
  const dtypes: DType[] = ['bf16', 'f16', 'f32'];
  const shapes = [
    { experts: 8, topK: 2, hidden: 72, inter: 40, tokens: 5 },
    { experts: 16, topK: 4, hidden: 64, inter: 32, tokens: 64 },
    { experts: 4, topK: 1, hidden: 40, inter: 24, tokens: 1 },
  ];
  const cases = [];
  let i = 0;
  for (const family of families) {
    for (const dtype of dtypes) {
      const s = shapes[i % shapes.length]!;
      const layout = i % 2 === 0 ? 'per-expert' : 'packed';
      const shared = family === 'qwen2_moe' || family.startsWith('deepseek');
      const spec: LayerSpec = {
        family,
        dtype,
        layout,
        experts: s.experts,
        topK: s.topK,
        hidden: s.hidden,
        inter: s.inter,
        ...(shared ? { sharedInter: 48 } : {}),
      };
      cases.push({ name: `${family} ${dtype} ${layout} E=${s.experts} k=${s.topK} H=${s.hidden} I=${s.inter} T=${s.tokens}`, spec, tokens: s.tokens });
      i++;
    }
  }
  return cases;
}

/** max |a - b| / max |b|: one scale-free error number per output. */
export function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    ref = Math.max(ref, Math.abs(b[i]!));
  }
  return ref === 0 ? diff : diff / ref;
}
