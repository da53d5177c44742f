// Alignment and permutation: tokens grouped by expert with each expert's rows padded to whole
// GEMM tiles, then the activations gathered into that order (converted to the GEMM's type).
#include "cuda/check.cuh"
#include "cuda/dtypes.cuh"
#include "cuda/kernels.cuh"

namespace {

__global__ void count_kernel(const int32_t* ids, int64_t n, int32_t* counts) {
  const int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i < n) atomicAdd(&counts[ids[i]], 1);
}

// One thread: E and the tile count are small (hundreds), and this keeps the plan deterministic.
// counts[0, E) -> reset to 0 (fill cursors for scatter); counts[E, 2E) <- first padded row of e.
__global__ void plan_kernel(int32_t* counts, int32_t E, int64_t tiles, int32_t* tile_expert) {
  int64_t tile = 0;
  for (int32_t e = 0; e < E; ++e) {
    const int64_t n = counts[e];
    counts[E + e] = int32_t(tile * kTileM);
    for (int64_t i = 0; i < (n + kTileM - 1) / kTileM; ++i) tile_expert[tile++] = e;
    counts[e] = 0;
  }
  for (; tile < tiles; ++tile) tile_expert[tile] = -1;
}

__global__ void scatter_kernel(const int32_t* ids, int64_t n, int32_t k, int32_t E, int32_t* counts,
                               int32_t* row_token, int64_t* row_of) {
  const int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const int32_t e = ids[i];
  const int64_t row = counts[E + e] + atomicAdd(&counts[e], 1);
  row_token[row] = int32_t(i / k);
  row_of[i] = row;
}

template <typename AT>
__global__ void gather_kernel(const float* x, int64_t H, const int32_t* row_token, int64_t T, AT* out) {
  const int64_t r = blockIdx.x;
  const int64_t t = row_token ? row_token[r] : (r < T ? r : -1);
  for (int64_t h = threadIdx.x; h < H; h += blockDim.x) out[r * H + h] = from_f32<AT>(t >= 0 ? x[t * H + h] : 0.0f);
}

}  // namespace

void launch_group_by_expert(const int32_t* ids, int64_t T, int32_t k, int32_t E, int64_t tiles,
                            int32_t* counts, int32_t* tile_expert, int32_t* row_token, int64_t* row_of,
                            cudaStream_t stream) {
  const int64_t n = T * k;
  const int block = 256;
  const unsigned grid = unsigned((n + block - 1) / block);
  CUDA_CHECK(cudaMemsetAsync(counts, 0, sizeof(int32_t) * 2 * size_t(E), stream));
  CUDA_CHECK(cudaMemsetAsync(row_token, 0xff, sizeof(int32_t) * size_t(tiles * kTileM), stream));  // -1
  count_kernel<<<grid, block, 0, stream>>>(ids, n, counts);
  CUDA_CHECK_LAUNCH("count_kernel");
  plan_kernel<<<1, 1, 0, stream>>>(counts, E, tiles, tile_expert);
  CUDA_CHECK_LAUNCH("plan_kernel");
  scatter_kernel<<<grid, block, 0, stream>>>(ids, n, k, E, counts, row_token, row_of);
  CUDA_CHECK_LAUNCH("scatter_kernel");
}

void launch_gather(DType act, const float* x, int64_t H, const int32_t* row_token, int64_t rows, int64_t T,
                   void* out, cudaStream_t stream) {
  const dim3 grid{unsigned(rows)}, block{128};
  switch (act) {
    case DType::BF16:
      gather_kernel<<<grid, block, 0, stream>>>(x, H, row_token, T, static_cast<__nv_bfloat16*>(out));
      break;
    case DType::F16:
      gather_kernel<<<grid, block, 0, stream>>>(x, H, row_token, T, static_cast<__half*>(out));
      break;
    case DType::F32:
      gather_kernel<<<grid, block, 0, stream>>>(x, H, row_token, T, static_cast<float*>(out));
      break;
  }
  CUDA_CHECK_LAUNCH("gather_kernel");
}
