#include <vector>

#include "cpu_ops.h"
#include "gemm/parallel.h"
#include "thread_pool.h"

void route_tokens_cpu(const MoeLayer& layer, const float* x, int64_t tokens, Isa isa,
                      int32_t* ids, float* weights) {
  const Routing& r = layer.routing;
  const int64_t E = r.num_experts;
  std::vector<float> logits(size_t(tokens * E));
  // Router logits always use an f32-compute kernel: the bf16 dot-product ISAs round activations to
  // bf16, which would move near-tied experts and the routing weights. The router is only E x H.
  const Isa router_isa = isa > Isa::Avx512 ? Isa::Avx512 : isa;
  parallel_gemm(router_isa, x, tokens, layer.router, logits.data());
  // Selection is ~E*k operations per token: tasks of 64 tokens.
  constexpr int64_t kTokensPerTask = 64;
  parallel_for((tokens + kTokensPerTask - 1) / kTokensPerTask, [&](int64_t task) {
    thread_local std::vector<float> scratch;
    scratch.resize(size_t(2 * E));
    const int64_t t1 = (task + 1) * kTokensPerTask < tokens ? (task + 1) * kTokensPerTask : tokens;
    for (int64_t t = task * kTokensPerTask; t < t1; ++t)
      moe_select_experts(logits.data() + t * E, layer.bias(), r, scratch.data(), ids + t * r.top_k,
                         weights + t * r.top_k);
  });
}
