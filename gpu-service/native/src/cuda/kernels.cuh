// Launchers of the CUDA path's kernels (one file each). All run on `stream`, none synchronise.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "cuda_limits.h"
#include "routing.h"
#include "tensor.h"

// logits[T, E] = x[T, H] . w[E, H]^T in f32 (router, and the Qwen2-MoE shared-expert gate).
void launch_router_logits(DType dtype, const float* x, const void* w, int64_t T, int32_t E, int64_t H,
                          float* logits, cudaStream_t stream);

// Per-token expert selection with routing.h (same code as the CPU). scratch: T * 2E floats.
void launch_select(const float* logits, const float* bias, const Routing& r, int64_t T, float* scratch,
                   int32_t* ids, float* weights, cudaStream_t stream);

// Counts, padded offsets and the permutation of routed rows (ids [T, k]):
//   tile_expert[tiles]: expert of each kTileM-row tile, -1 past the last one;
//   row_token[tiles * kTileM]: token of each padded row, -1 for padding;
//   row_of[T * k]: padded row of token t's j-th choice. counts: 2E ints of scratch.
void launch_group_by_expert(const int32_t* ids, int64_t T, int32_t k, int32_t E, int64_t tiles,
                            int32_t* counts, int32_t* tile_expert, int32_t* row_token, int64_t* row_of,
                            cudaStream_t stream);

// out[r, :] = x[row_token[r], :] converted to the GEMM's activation type (bf16, f16 or f32), zero
// for padding rows. row_token null: identity over T tokens (shared expert, linear()).
void launch_gather(DType act, const float* x, int64_t H, const int32_t* row_token, int64_t rows, int64_t T,
                   void* out, cudaStream_t stream);

// Grouped GEMM over tiles: for tile t of expert e = tile_expert[t],
//   plain:   out[r, n] (f32)            = sum_k a[r, k] * w0[e][n, k]
//   gate_up: out[r, n] (activation type) = silu(a . w0[e]^T) * (a . w1[e]^T)
// a, w in `dtype` (bf16/f16: tensor cores via WMMA, f32: SIMT FMA). K % 8 == 0 and tiles <= 65535
// (checked at the entry, cuda_limits.h).
struct GroupedGemm {
  DType dtype;
  const void* a;
  const void* const* w0;  // device array of per-expert device pointers
  const void* const* w1;  // gate_up only, else null
  const int32_t* tile_expert;
  int64_t tiles, N, K;
  void* out;
};
void launch_grouped_gemm(const GroupedGemm& g, cudaStream_t stream);

// y[t] = sum_j weights[t, j] * routed[row_of[t, j]] + shared_scale(t) * shared[t], where
// shared_scale = sigmoid(shared_logit[t]) if given, 1 otherwise; shared may be null.
void launch_combine(const float* routed, const int64_t* row_of, const float* weights, int64_t T, int32_t k,
                    int64_t H, const float* shared, const float* shared_logit, float* y, cudaStream_t stream);
