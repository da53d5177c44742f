// Expert selection for one token from its router logits: scoring, group-limited top-k, weights.
// Host/device so the CPU and CUDA paths select identical experts (see hd.h).
#pragma once
#include <cmath>
#include <cstdint>

#include "hd.h"

enum class Family : int32_t { Mixtral, Qwen2Moe, Qwen3Moe, Olmoe, DeepseekV2, DeepseekV3 };

struct Routing {
  Family family = Family::Mixtral;
  int32_t num_experts = 0;
  int32_t top_k = 0;
  bool sigmoid = false;     // DeepSeek-V3 scores experts with a sigmoid, everyone else softmax.
  bool norm_topk = false;   // Renormalise the k weights to sum to 1 (forced on for Mixtral).
  float scaling = 1.0f;     // routed_scaling_factor
  int32_t n_group = 1;      // Group-limited selection (DeepSeek); 1 = off.
  int32_t topk_group = 1;
};

// Selection treats NaN as -inf so a corrupted logit can never win over a real one.
MOE_HD float moe_rank_value(float v) { return v != v ? -INFINITY : v; }

// Group score as the family defines it: V3 sums the best two (bias-corrected) scores of a group,
// V2 (and anyone else using groups) takes the group maximum.
MOE_HD float moe_group_score(const float* choice, int32_t begin, int32_t size, bool top2_sum) {
  float best = -INFINITY, second = -INFINITY;
  for (int32_t e = begin; e < begin + size; ++e) {
    const float v = moe_rank_value(choice[e]);
    if (v > best) {
      second = best;
      best = v;
    } else if (v > second) {
      second = v;
    }
  }
  return top2_sum && size > 1 ? best + second : best;
}

// Mixtral always renormalises the k weights; DeepSeek only when k > 1
// (`if self.top_k > 1 and self.norm_topk_prob`); the others whenever norm_topk_prob is set.
MOE_HD bool moe_renormalises(const Routing& r) {
  if (r.family == Family::Mixtral) return true;
  const bool deepseek = r.family == Family::DeepseekV2 || r.family == Family::DeepseekV3;
  return r.norm_topk && (!deepseek || r.top_k > 1);
}

// logits[E] -> ids[k] (descending score, ties to the lower index) and weights[k].
// scratch holds 2*E floats. bias (nullable) is DeepSeek-V3's e_score_correction_bias: it steers
// selection only; the weights use the unbiased scores.
MOE_HD void moe_select_experts(const float* logits, const float* bias, const Routing& r,
                               float* scratch, int32_t* ids, float* weights) {
  const int32_t E = r.num_experts;
  float* score = scratch;
  float* choice = scratch + E;
  if (r.sigmoid) {
    for (int32_t e = 0; e < E; ++e) score[e] = 1.0f / (1.0f + expf(-logits[e]));
  } else {
    float m = -INFINITY;
    for (int32_t e = 0; e < E; ++e) m = logits[e] > m ? logits[e] : m;
    float sum = 0.0f;
    for (int32_t e = 0; e < E; ++e) {
      score[e] = expf(logits[e] - m);
      sum += score[e];
    }
    for (int32_t e = 0; e < E; ++e) score[e] /= sum;
  }
  for (int32_t e = 0; e < E; ++e) choice[e] = score[e] + (bias ? bias[e] : 0.0f);

  // Group-limited selection: experts outside the kept groups are excluded outright (-inf),
  // as in DeepSeek's reference inference code.
  if (r.n_group > 1) {
    const int32_t gsize = E / r.n_group;
    const bool top2 = r.family == Family::DeepseekV3;
    uint64_t kept = 0;
    for (int32_t pick = 0; pick < r.topk_group; ++pick) {
      int32_t best = -1;
      float bestv = -INFINITY;
      for (int32_t g = 0; g < r.n_group; ++g) {
        if (kept >> g & 1u) continue;
        const float v = moe_group_score(choice, g * gsize, gsize, top2);
        if (best < 0 || v > bestv) {
          best = g;
          bestv = v;
        }
      }
      kept |= uint64_t(1) << best;
    }
    for (int32_t e = 0; e < E; ++e)
      if (!(kept >> (e / gsize) & 1u)) choice[e] = -INFINITY;
  }

  for (int32_t j = 0; j < r.top_k; ++j) {
    int32_t best = -1;
    float bestv = -INFINITY;
    for (int32_t e = 0; e < E; ++e) {
      bool taken = false;
      for (int32_t i = 0; i < j; ++i) taken = taken || ids[i] == e;
      if (taken) continue;
      const float v = moe_rank_value(choice[e]);
      if (best < 0 || v > bestv) {
        best = e;
        bestv = v;
      }
    }
    ids[j] = best;
  }

  float sum = 0.0f;
  for (int32_t j = 0; j < r.top_k; ++j) {
    weights[j] = score[ids[j]];
    sum += weights[j];
  }
  const bool norm = moe_renormalises(r);
  // DeepSeek-V2 scales only the weights it did not renormalise (the `else` branch of its gate);
  // V3 always scales; elsewhere the factor is 1.
  const float scale = r.family == Family::DeepseekV2 && norm ? 1.0f : r.scaling;
  // The 1e-20 (DeepSeek's) keeps an all-underflowed sigmoid row finite instead of 0/0.
  for (int32_t j = 0; j < r.top_k; ++j)
    weights[j] = (norm ? weights[j] / (sum + 1e-20f) : weights[j]) * scale;
}
