// Router logits (one block per token, one warp per expert row, f32 accumulation) and top-k gating
// (one thread per token running the shared routing.h code, so CUDA and CPU select identically).
#include "cuda/check.cuh"
#include "cuda/dtypes.cuh"
#include "cuda/kernels.cuh"

namespace {

template <typename WT>
__global__ void router_logits_kernel(const float* x, const WT* w, int32_t E, int64_t H, float* logits) {
  const int64_t t = blockIdx.x;
  const float* xt = x + t * H;
  const int lane = threadIdx.x % 32, warps = blockDim.x / 32;
  for (int32_t e = threadIdx.x / 32; e < E; e += warps) {
    const WT* we = w + int64_t(e) * H;
    float s = 0.0f;
    for (int64_t h = lane; h < H; h += 32) s += xt[h] * to_f32(we[h]);
    for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    if (lane == 0) logits[t * E + e] = s;
  }
}

__global__ void select_kernel(const float* logits, const float* bias, Routing r, int64_t T, float* scratch,
                              int32_t* ids, float* weights) {
  const int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (t >= T) return;
  moe_select_experts(logits + t * r.num_experts, bias, r, scratch + t * 2 * r.num_experts, ids + t * r.top_k,
                     weights + t * r.top_k);
}

}  // namespace

void launch_router_logits(DType dtype, const float* x, const void* w, int64_t T, int32_t E, int64_t H,
                          float* logits, cudaStream_t stream) {
  const dim3 grid{unsigned(T)}, block{256};
  switch (dtype) {
    case DType::BF16:
      router_logits_kernel<<<grid, block, 0, stream>>>(x, static_cast<const __nv_bfloat16*>(w), E, H, logits);
      break;
    case DType::F16:
      router_logits_kernel<<<grid, block, 0, stream>>>(x, static_cast<const __half*>(w), E, H, logits);
      break;
    case DType::F32:
      router_logits_kernel<<<grid, block, 0, stream>>>(x, static_cast<const float*>(w), E, H, logits);
      break;
  }
  CUDA_CHECK_LAUNCH("router_logits_kernel");
}

void launch_select(const float* logits, const float* bias, const Routing& r, int64_t T, float* scratch,
                   int32_t* ids, float* weights, cudaStream_t stream) {
  const int block = 128;
  select_kernel<<<unsigned((T + block - 1) / block), block, 0, stream>>>(logits, bias, r, T, scratch, ids, weights);
  CUDA_CHECK_LAUNCH("select_kernel");
}
