// Grouped GEMM over expert tiles (MegaBlocks / vLLM fused_moe style): each 64-row tile of the
// permuted activations belongs to one expert, so a block multiplies it by that expert's weights
// and every active expert's weights are read once per N-tile, whatever the token count.
// bf16/f16 run on tensor cores (WMMA 16x16x16, f32 accumulation); f32 weights use SIMT FMA.
// gate and up are fused: one block computes both for the same columns and writes silu(g) * u.
#include <mma.h>

#include <type_traits>

#include "cuda/check.cuh"
#include "cuda/dtypes.cuh"
#include "cuda/kernels.cuh"

namespace {

using namespace nvcuda;

constexpr int BM = kTileM, BN = 64, BK = 32, kThreads = 128;
constexpr int LDC = BN + 4;  // f32 staging row stride (multiple of 4 as WMMA stores require)

struct Args {
  const void* a;
  const void* const* w0;
  const void* const* w1;
  const int32_t* tile_expert;
  int64_t N, K;
  void* out;
};

template <typename WT>
struct Smem {
  // Rows padded by 16 bytes: staggers banks and keeps every row 16-byte aligned for vector
  // stores and 32-byte aligned at 16-row steps for WMMA loads.
  static constexpr int LDS = BK + 16 / int(sizeof(WT));
  static constexpr int kTileElems = 64 * LDS;
};

// Copies a 64 x BK tile (rows [row0, row0+64), k [k0, k0+BK)) into shared memory in 16-byte chunks,
// zero-filling rows >= rows_valid and k >= K (K % 8 == 0, so chunks never straddle K).
template <typename WT>
__device__ void load_tile(const WT* src, int64_t row0, int64_t rows_valid, int64_t K, int64_t k0, WT* dst) {
  constexpr int kVec = 16 / int(sizeof(WT));
  constexpr int kChunksPerRow = BK / kVec;
  for (int c = threadIdx.x; c < 64 * kChunksPerRow; c += kThreads) {
    const int r = c / kChunksPerRow, kc = (c % kChunksPerRow) * kVec;
    uint4 v = make_uint4(0, 0, 0, 0);
    if (row0 + r < rows_valid && k0 + kc < K) v = *reinterpret_cast<const uint4*>(src + (row0 + r) * K + k0 + kc);
    *reinterpret_cast<uint4*>(dst + r * Smem<WT>::LDS + kc) = v;
  }
}

// Tensor-core main loop. 4 warps in a 2x2 grid, each owning a 32x32 block = 2x2 fragments (per
// weight matrix). Leaves the f32 results in shared memory (c0, c1) with row stride LDC.
template <typename WT, bool kGateUp>
__device__ void mainloop_wmma(const Args& p, const WT* A, const WT* W0, const WT* W1, int64_t m0, int64_t n0,
                              unsigned char* smem) {
  constexpr int LDS = Smem<WT>::LDS;
  WT* As = reinterpret_cast<WT*>(smem);
  WT* B0 = As + Smem<WT>::kTileElems;
  WT* B1 = B0 + Smem<WT>::kTileElems;
  const int warp = threadIdx.x / 32, wm = warp / 2, wn = warp % 2;
  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc0[2][2], acc1[2][2];
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      wmma::fill_fragment(acc0[i][j], 0.0f);
      if (kGateUp) wmma::fill_fragment(acc1[i][j], 0.0f);
    }
  for (int64_t k0 = 0; k0 < p.K; k0 += BK) {
    load_tile(A, m0, INT64_MAX, p.K, k0, As);
    load_tile(W0, n0, p.N, p.K, k0, B0);
    if (kGateUp) load_tile(W1, n0, p.N, p.K, k0, B1);
    __syncthreads();
    for (int kk = 0; kk < BK; kk += 16) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, WT, wmma::row_major> a[2];
      for (int i = 0; i < 2; ++i) wmma::load_matrix_sync(a[i], As + (wm * 32 + i * 16) * LDS + kk, LDS);
      for (int j = 0; j < 2; ++j) {
        // W is [N, K] row-major = B [K, N] column-major: no transpose needed.
        wmma::fragment<wmma::matrix_b, 16, 16, 16, WT, wmma::col_major> b;
        wmma::load_matrix_sync(b, B0 + (wn * 32 + j * 16) * LDS + kk, LDS);
        for (int i = 0; i < 2; ++i) wmma::mma_sync(acc0[i][j], a[i], b, acc0[i][j]);
        if (kGateUp) {
          wmma::load_matrix_sync(b, B1 + (wn * 32 + j * 16) * LDS + kk, LDS);
          for (int i = 0; i < 2; ++i) wmma::mma_sync(acc1[i][j], a[i], b, acc1[i][j]);
        }
      }
    }
    __syncthreads();
  }
  float* c0 = reinterpret_cast<float*>(smem);  // the operand tiles are dead now: reuse the space
  float* c1 = c0 + BM * LDC;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      const int off = (wm * 32 + i * 16) * LDC + wn * 32 + j * 16;
      wmma::store_matrix_sync(c0 + off, acc0[i][j], LDC, wmma::mem_row_major);
      if (kGateUp) wmma::store_matrix_sync(c1 + off, acc1[i][j], LDC, wmma::mem_row_major);
    }
}

// f32 main loop: each thread owns an 8x4 block of the 64x64 tile (per weight matrix).
template <bool kGateUp>
__device__ void mainloop_simt(const Args& p, const float* A, const float* W0, const float* W1, int64_t m0,
                              int64_t n0, unsigned char* smem) {
  constexpr int LDS = Smem<float>::LDS;
  float* As = reinterpret_cast<float*>(smem);
  float* B0 = As + Smem<float>::kTileElems;
  float* B1 = B0 + Smem<float>::kTileElems;
  const int ty = threadIdx.x / 16, tx = threadIdx.x % 16;
  float acc0[8][4] = {}, acc1[8][4] = {};
  for (int64_t k0 = 0; k0 < p.K; k0 += BK) {
    load_tile(A, m0, INT64_MAX, p.K, k0, As);
    load_tile(W0, n0, p.N, p.K, k0, B0);
    if (kGateUp) load_tile(W1, n0, p.N, p.K, k0, B1);
    __syncthreads();
    for (int kk = 0; kk < BK; ++kk) {
      float a[8], b0[4], b1[4];
      for (int i = 0; i < 8; ++i) a[i] = As[(ty * 8 + i) * LDS + kk];
      for (int j = 0; j < 4; ++j) {
        b0[j] = B0[(tx * 4 + j) * LDS + kk];
        b1[j] = kGateUp ? B1[(tx * 4 + j) * LDS + kk] : 0.0f;
      }
      for (int i = 0; i < 8; ++i)
        for (int j = 0; j < 4; ++j) {
          acc0[i][j] = fmaf(a[i], b0[j], acc0[i][j]);
          if (kGateUp) acc1[i][j] = fmaf(a[i], b1[j], acc1[i][j]);
        }
    }
    __syncthreads();
  }
  float* c0 = reinterpret_cast<float*>(smem);
  float* c1 = c0 + BM * LDC;
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 4; ++j) {
      c0[(ty * 8 + i) * LDC + tx * 4 + j] = acc0[i][j];
      if (kGateUp) c1[(ty * 8 + i) * LDC + tx * 4 + j] = acc1[i][j];
    }
}

template <typename WT, bool kGateUp>
struct SmemBytes {
  static constexpr int kOperands = (kGateUp ? 3 : 2) * Smem<WT>::kTileElems * int(sizeof(WT));
  static constexpr int kStaging = (kGateUp ? 2 : 1) * BM * LDC * int(sizeof(float));
  static constexpr int value = kOperands > kStaging ? kOperands : kStaging;
};

template <typename WT, bool kGateUp>
__global__ void __launch_bounds__(kThreads) grouped_gemm_kernel(Args p) {
  __shared__ __align__(128) unsigned char smem[SmemBytes<WT, kGateUp>::value];
  const int32_t e = p.tile_expert[blockIdx.y];
  if (e < 0) return;  // past the last expert's tiles (the grid is an upper bound)
  const int64_t m0 = int64_t(blockIdx.y) * BM, n0 = int64_t(blockIdx.x) * BN;
  const WT* A = static_cast<const WT*>(p.a);
  const WT* W0 = static_cast<const WT*>(p.w0[e]);
  const WT* W1 = kGateUp ? static_cast<const WT*>(p.w1[e]) : nullptr;
  if constexpr (std::is_same_v<WT, float>) mainloop_simt<kGateUp>(p, A, W0, W1, m0, n0, smem);
  else mainloop_wmma<WT, kGateUp>(p, A, W0, W1, m0, n0, smem);
  __syncthreads();

  const float* c0 = reinterpret_cast<const float*>(smem);
  const float* c1 = c0 + BM * LDC;
  for (int c = threadIdx.x; c < BM * BN; c += kThreads) {
    const int r = c / BN, n = c % BN;
    if (n0 + n >= p.N) continue;
    const int64_t idx = (m0 + r) * p.N + n0 + n;
    if (kGateUp) {
      const float g = c0[r * LDC + n], u = c1[r * LDC + n];
      static_cast<WT*>(p.out)[idx] = from_f32<WT>(g / (1.0f + expf(-g)) * u);
    } else {
      static_cast<float*>(p.out)[idx] = c0[r * LDC + n];
    }
  }
}

template <typename WT>
void launch_typed(const GroupedGemm& g, const Args& args, cudaStream_t stream) {
  const dim3 grid(unsigned((g.N + BN - 1) / BN), unsigned(g.tiles)), block(kThreads);
  if (g.w1) grouped_gemm_kernel<WT, true><<<grid, block, 0, stream>>>(args);
  else grouped_gemm_kernel<WT, false><<<grid, block, 0, stream>>>(args);
  CUDA_CHECK_LAUNCH("grouped_gemm_kernel");
}

}  // namespace

void launch_grouped_gemm(const GroupedGemm& g, cudaStream_t stream) {
  const Args args{g.a, g.w0, g.w1, g.tile_expert, g.N, g.K, g.out};
  switch (g.dtype) {
    case DType::BF16: return launch_typed<__nv_bfloat16>(g, args, stream);
    case DType::F16: return launch_typed<__half>(g, args, stream);
    case DType::F32: return launch_typed<float>(g, args, stream);
  }
}
