#include <vector>

#include "cpu_ops.h"
#include "gemm/parallel.h"

void route_tokens_cpu(const MoeLayer& layer, const float* x, int64_t tokens, Isa isa,
                      int32_t* ids, float* weights) {
  const Routing& r = layer.routing;
  const int64_t E = r.num_experts;
  std::vector<float> logits(size_t(tokens * E));
  // Router logits always use an f32-compute kernel: the bf16 dot-product ISAs round activations to
  // bf16, which would move near-tied experts and the routing weights. The router is only E x H.
  const Isa router_isa = isa > Isa::Avx512 ? Isa::Avx512 : isa;
  parallel_gemm(router_isa, x, tokens, layer.router, logits.data());
  // Selection is ~E*k operations per token: only worth a thread team for many tokens.
#pragma omp parallel if (tokens >= 64)
  {
    std::vector<float> scratch(size_t(2 * E));
#pragma omp for schedule(static)
    for (int64_t t = 0; t < tokens; ++t)
      moe_select_experts(logits.data() + t * E, layer.bias(), r, scratch.data(),
                         ids + t * r.top_k, weights + t * r.top_k);
  }
}
