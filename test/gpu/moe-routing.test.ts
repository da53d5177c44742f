// Routing semantics checked against values worked out by hand from each family's modelling code
// (transformers' Mixtral / Qwen / OLMoE blocks, DeepSeek-V2/V3's MoEGate), not against the
// TypeScript reference, which shares the rules it would be checking. An identity router (H = E, f32)
// makes the router logits equal to x, so each case states its logits directly.
import { describe, expect, it } from 'vitest';
import { deviceInfo, moeForward, referenceMoeForward } from '../../gpu-service/src/moe/index.js';
import type { MoeDevice, MoeFamily, MoeLayerWeights, MoeRouting } from '../../gpu-service/src/moe/index.js';
import { encode } from '../../gpu-service/src/moe/dtype.js';
import { randomLayer, routingFor } from '../../gpu-service/src/moe/fixtures.js';

const E = 8;

function identityLayer(family: MoeFamily, topK: number, bias?: number[]): MoeLayerWeights {
  const { weights } = randomLayer({ family, experts: E, topK, hidden: E, inter: 8, dtype: 'f32', layout: 'packed' }, 3);
  const eye = Float32Array.from({ length: E * E }, (_, i) => (i % (E + 1) === 0 ? 1 : 0));
  const out: MoeLayerWeights = { ...weights, router: { dtype: 'f32', shape: [E, E], data: encode(eye, 'f32') } };
  if (bias) out.scoreCorrectionBias = { dtype: 'f32', shape: [E], data: encode(bias, 'f32') };
  else delete out.scoreCorrectionBias;
  return out;
}

const softmax = (l: number[]) => {
  const ex = l.map((v) => Math.exp(v - Math.max(...l)));
  const s = ex.reduce((a, b) => a + b, 0);
  return ex.map((v) => v / s);
};
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

// The CUDA path runs the same routing code (routing.h); it is held to these cases when a GPU is usable.
const devices: MoeDevice[] = deviceInfo().cuda.available ? ['cpu', 'cuda'] : ['cpu'];

/** Runs the native layer (every device here) and the reference on one token with these logits. */
function expectRouting(routing: MoeRouting, weights: MoeLayerWeights, logits: number[], ids: number[], w: number[]): void {
  const x = Float32Array.from(logits);
  const runs = [...devices.map((device) => moeForward(x, 1, routing, weights, { device })), referenceMoeForward(x, 1, routing, weights)];
  for (const got of runs) {
    expect(Array.from(got.topkIds)).toEqual(ids);
    Array.from(got.topkWeights).forEach((v, j) => expect(v).toBeCloseTo(w[j]!, 5));
  }
}

const logits = [0.5, 2, -1, 1.5, 0, 3, -2, 1];
const p = softmax(logits);

describe('routing weights, worked by hand', () => {
  it('Mixtral: softmax top-k, always renormalised (norm_topk_prob is ignored)', () => {
    const r = { ...routingFor('mixtral', E, 2), normTopkProb: false };
    expectRouting(r, identityLayer('mixtral', 2), logits, [5, 1], [p[5]! / (p[5]! + p[1]!), p[1]! / (p[5]! + p[1]!)]);
  });

  it('OLMoE / Qwen2-MoE: softmax probabilities as they are', () => {
    expectRouting(routingFor('olmoe', E, 3), identityLayer('olmoe', 3), logits, [5, 1, 3], [p[5]!, p[1]!, p[3]!]);
  });

  it('Qwen3-MoE renormalises even a single expert to 1', () => {
    expectRouting(routingFor('qwen3_moe', E, 1), identityLayer('qwen3_moe', 1), logits, [5], [1]);
  });

  it('DeepSeek-V2 without renormalisation scales by routed_scaling_factor', () => {
    const r: MoeRouting = { ...routingFor('deepseek_v2', E, 2), nGroup: 1, topkGroup: 1, routedScalingFactor: 16 };
    expectRouting(r, identityLayer('deepseek_v2', 2), logits, [5, 1], [16 * p[5]!, 16 * p[1]!]);
  });

  it('DeepSeek-V2 with norm_topk_prob renormalises and does not scale (its gate scales only in the else branch)', () => {
    const r: MoeRouting = { ...routingFor('deepseek_v2', E, 2), nGroup: 1, topkGroup: 1, normTopkProb: true, routedScalingFactor: 16 };
    expectRouting(r, identityLayer('deepseek_v2', 2), logits, [5, 1], [p[5]! / (p[5]! + p[1]!), p[1]! / (p[5]! + p[1]!)]);
  });

  it('DeepSeek-V2 group-limited: groups ranked by their best expert', () => {
    // 4 groups of 2: maxima 2 (g0), 1.5 (g1), 3 (g2), 1 (g3); keep 2 groups -> g2, g0.
    const r: MoeRouting = { ...routingFor('deepseek_v2', E, 3), nGroup: 4, topkGroup: 2, routedScalingFactor: 1 };
    expectRouting(r, identityLayer('deepseek_v2', 3), logits, [5, 1, 0], [p[5]!, p[1]!, p[0]!]);
  });

  it('DeepSeek-V3: sigmoid scores, bias steers selection only, renormalised then scaled', () => {
    // The bias lifts expert 6 (logit -2) above all others for selection; its weight still uses sigmoid(-2).
    const bias = [0, 0, 0, 0, 0, 0, 5, 0];
    const r: MoeRouting = { ...routingFor('deepseek_v3', E, 2), nGroup: 1, topkGroup: 1, routedScalingFactor: 2.5 };
    const s6 = sigmoid(-2);
    const s5 = sigmoid(3);
    expectRouting(r, identityLayer('deepseek_v3', 2, bias), logits, [6, 5], [(2.5 * s6) / (s6 + s5), (2.5 * s5) / (s6 + s5)]);
  });

  it('DeepSeek-V3 with one expert: no renormalisation (top_k > 1 only), still scaled', () => {
    const r: MoeRouting = { ...routingFor('deepseek_v3', E, 1), nGroup: 1, topkGroup: 1, routedScalingFactor: 2.5 };
    expectRouting(r, identityLayer('deepseek_v3', 1, new Array(E).fill(0)), logits, [5], [2.5 * sigmoid(3)]);
  });

  it('DeepSeek-V3 group-limited: groups ranked by the sum of their two best scores', () => {
    // Groups of 2 over sigmoid scores: g1 = experts {2, 3} (sum ~1.70) beats g0 (~1.50) and g2 = {-3, 3}
    // (~1.00), which a group-maximum rule would keep for its 3. Keeping 1 group leaves experts 2 and 3.
    const l = [0.5, 2, 2, 1.5, -3, 3, -2, 1];
    const r: MoeRouting = { ...routingFor('deepseek_v3', E, 2), nGroup: 4, topkGroup: 1, routedScalingFactor: 1 };
    const s2 = sigmoid(2);
    const s3 = sigmoid(1.5);
    expectRouting(r, identityLayer('deepseek_v3', 2, new Array(E).fill(0)), l, [2, 3], [s2 / (s2 + s3), s3 / (s2 + s3)]);
  });
});
