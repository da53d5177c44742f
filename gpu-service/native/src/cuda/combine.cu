// Weighted combine: one block per token sums its k expert rows (and the shared expert), so the
// result is deterministic and needs no atomics.
#include "cuda/check.cuh"
#include "cuda/kernels.cuh"

namespace {

__global__ void combine_kernel(const float* routed, const int64_t* row_of, const float* weights, int32_t k,
                               int64_t H, const float* shared, const float* shared_logit, float* y) {
  const int64_t t = blockIdx.x;
  const float scale = shared_logit ? 1.0f / (1.0f + expf(-shared_logit[t])) : 1.0f;
  for (int64_t h = threadIdx.x; h < H; h += blockDim.x) {
    float acc = shared ? scale * shared[t * H + h] : 0.0f;
    for (int32_t j = 0; j < k; ++j) acc += weights[t * k + j] * routed[row_of[t * k + j] * H + h];
    y[t * H + h] = acc;
  }
}

}  // namespace

void launch_combine(const float* routed, const int64_t* row_of, const float* weights, int64_t T, int32_t k,
                    int64_t H, const float* shared, const float* shared_logit, float* y, cudaStream_t stream) {
  combine_kernel<<<unsigned(T), 256, 0, stream>>>(routed, row_of, weights, k, H, shared, shared_logit, y);
  CUDA_CHECK_LAUNCH("combine_kernel");
}
