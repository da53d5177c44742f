// The served forward pass normalises every row of the stacked activations four times a layer (input,
// post-attention, OLMoE's and Qwen3's q and k); in V8 that was ~1 ms of a 16-token OLMoE prefill.
// Rows go to the thread pool, and each is computed as src/model/numerics.ts's rmsNorm (the
// reference forward's) does it: the sum of squares in double, in order (a float's square is exact
// in double), then (x * inv) * weight in double, rounded once. Same bits.
#include "rms_norm_cpu.h"

#include <cmath>

#include "thread_pool.h"

namespace {

// Rows per task: a 2,048-wide row is ~2 us of work, well above a task's dispatch.
constexpr int64_t kRowsPerTask = 4;

void norm_row(const float* x, int64_t dim, const float* weight, double eps, float* out) {
  double ss = 0;
  for (int64_t i = 0; i < dim; ++i) ss += double(x[i]) * x[i];
  const double inv = 1 / std::sqrt(ss / double(dim) + eps);
  for (int64_t i = 0; i < dim; ++i) out[i] = float(double(x[i]) * inv * weight[i]);
}

}  // namespace

void rms_norm_cpu(const float* x, int64_t rows, int64_t dim, const float* weight, double eps, float* out) {
  parallel_for((rows + kRowsPerTask - 1) / kRowsPerTask, [&](int64_t t) {
    const int64_t r1 = (t + 1) * kRowsPerTask < rows ? (t + 1) * kRowsPerTask : rows;
    for (int64_t r = t * kRowsPerTask; r < r1; ++r) norm_row(x + r * dim, dim, weight, eps, out + r * dim);
  });
}
