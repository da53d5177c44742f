// The TypeScript loop this replaced (src/model/forward.ts) cost ~2 ms of a 16-token OLMoE prefill on
// one thread of V8; here one task per (row, head) runs on the thread pool. Every sum is taken in
// double in that loop's order (products of two floats are exact in double), so the output is the one
// it gave, up to the last bit of exp(), which the C library and V8 may round differently.
#include "attention_cpu.h"

#include <cmath>
#include <vector>

#include "thread_pool.h"

namespace {

// a . b over n floats in four partial sums (i mod 4; a tail goes to the first), added left to right.
double dot(const float* a, const float* b, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += double(a[i]) * b[i];
    s1 += double(a[i + 1]) * b[i + 1];
    s2 += double(a[i + 2]) * b[i + 2];
    s3 += double(a[i + 3]) * b[i + 3];
  }
  for (; i < n; ++i) s0 += double(a[i]) * b[i];
  return s0 + s1 + s2 + s3;
}

// One head of one row: softmax(q . k_p * scale) over positions 0..pos, then the weighted sum of v_p,
// normalised once at the end.
void attend_head(const float* q, const float* keys, const float* values, int64_t pos, int64_t kv_dim,
                 int64_t hd, double scale, float* out) {
  thread_local std::vector<double> scores, acc;
  scores.resize(size_t(pos + 1));
  acc.assign(size_t(hd), 0.0);
  double max = -INFINITY;
  for (int64_t p = 0; p <= pos; ++p) {
    scores[size_t(p)] = dot(q, keys + p * kv_dim, hd) * scale;
    if (scores[size_t(p)] > max) max = scores[size_t(p)];
  }
  double sum = 0;
  for (int64_t p = 0; p <= pos; ++p) {
    scores[size_t(p)] = std::exp(scores[size_t(p)] - max);
    sum += scores[size_t(p)];
  }
  // Four positions per pass over acc, each added in turn (the sums of a one-position loop).
  int64_t p = 0;
  for (; p + 3 <= pos; p += 4) {
    const double w0 = scores[size_t(p)], w1 = scores[size_t(p + 1)], w2 = scores[size_t(p + 2)], w3 = scores[size_t(p + 3)];
    const float* v0 = values + p * kv_dim;
    const float *v1 = v0 + kv_dim, *v2 = v1 + kv_dim, *v3 = v2 + kv_dim;
    for (int64_t i = 0; i < hd; ++i) acc[size_t(i)] = acc[size_t(i)] + w0 * v0[i] + w1 * v1[i] + w2 * v2[i] + w3 * v3[i];
  }
  for (; p <= pos; ++p) {
    const double w = scores[size_t(p)];
    const float* v = values + p * kv_dim;
    for (int64_t i = 0; i < hd; ++i) acc[size_t(i)] = acc[size_t(i)] + w * v[i];
  }
  for (int64_t i = 0; i < hd; ++i) out[i] = float(acc[size_t(i)] / sum);
}

}  // namespace

void attention_cpu(const AttentionShape& s, const float* q, const float* keys, const float* values, float* out) {
  const int64_t hd = s.head_dim, q_dim = s.heads * hd, kv_dim = s.kv_heads * hd, group = s.heads / s.kv_heads;
  parallel_for(s.rows * s.heads, [&](int64_t task) {
    const int64_t row = task / s.heads, h = task % s.heads, kv = (h / group) * hd;
    attend_head(q + row * q_dim + h * hd, keys + kv, values + kv, s.start + row, kv_dim, hd, s.scale,
                out + row * q_dim + h * hd);
  });
}
