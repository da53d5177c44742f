// The CPU GEMM interface every ISA implements: y[m, n] = sum_k x[m, k] * W[n, k] for W stored
// [N, K] in bf16 / f16 / f32 (the nn.Linear layout). Weights are decoded in registers; only the
// small activation block is repacked, once per call, into the layout the kernel wants.
#pragma once
#include <cstddef>
#include <cstdint>

#include "cpu_features.h"
#include "tensor.h"

struct GemmKernel {
  const char* name;
  // Bytes of the packed form of x[M, K].
  size_t (*packed_bytes)(int64_t M, int64_t K);
  void (*pack)(const float* x, int64_t M, int64_t K, void* dst);
  // Rows [n0, n1) of W; every m in [0, M). `w` points at row 0 of W, rows are K elements apart;
  // result (m, n) goes to y[m * ldy + (n - n0)]. Single-threaded: callers split N across threads.
  void (*run)(const void* xp, int64_t M, int64_t K, const uint8_t* w, int64_t n0, int64_t n1,
              float* y, int64_t ldy);
};

// Tokens from which the AVX512-BF16 panel kernel beats the dot-product one, for an MoE layer's expert
// GEMMs and for a whole matrix (linear(), on the thread pool by 64-row panels). On the Zen 4
// container, alternating builds: linear() of 2,048 x 2,048 at 16 tokens took 0.78-0.84 ms on panels
// and 0.65-0.73 on 4 x 6 tiles (six pairs), at 20 and 23 tokens 7-18% less on tiles (three pairs);
// OLMoE's 128-token prefill (~16 tokens per expert) with its experts' 16-23-token GEMMs on tiles was
// 2-6% slower in three pairs, which the noise of the time does not resolve: the experts keep 16.
constexpr int64_t kPanelMinTokens = 16;
constexpr int64_t kLinearPanelMinTokens = 24;

// Tokens up to which the AVX512-BF16 kernel streams one weight row at a time; from 3 the 4 x 6 tile
// took less time on the Zen 4 container (LM head, attention projections and K = 1,024 rows, builds
// alternating call by call).
constexpr int64_t kAvx512Bf16RowMaxTokens = 2;

// Tokens up to which the AVX2 kernels use their narrow (2 x 5) register tile.
constexpr int64_t kAvx2NarrowMaxTokens = 2;

// The fastest kernel for this ISA level, weight dtype and problem shape (AMX wants whole tiles).
const GemmKernel& select_gemm(Isa isa, DType dtype, int64_t M, int64_t N, int64_t K, int64_t panel_min_tokens);

// Per-ISA kernel tables; null where the ISA has no kernel for that dtype.
const GemmKernel* gemm_portable(DType dtype);
const GemmKernel* gemm_avx2(DType dtype, int64_t M);
const GemmKernel* gemm_avx512(DType dtype);
const GemmKernel* gemm_avx512bf16(DType dtype, int64_t M);
// Outer-product AVX512-BF16 kernel over weight panels repacked per call: for many tokens.
const GemmKernel* gemm_avx512bf16_panels(DType dtype);
const GemmKernel* gemm_amx(DType dtype);
