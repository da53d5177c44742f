// AVX512-BF16 kernels for bf16 weights: vdpbf16ps multiplies 32 bf16 pairs per instruction with f32
// accumulation, twice the FMA rate of the f32 path and no decoding. The activations are rounded to
// bf16 (round-to-nearest-even) when packed, which is why bf16 results carry a bf16 tolerance.
//  - few tokens: driver.h micro-kernels (dot products along K straight from the checkpoint rows,
//    reduced across lanes at the end), which read each weight once and need no repacking: one row at
//    a time up to 2 tokens, 4 tokens x 6 rows up to 15;
//  - many tokens (an expert's prefill rows): the outer-product form oneDNN's brgemm uses. Each call's
//    64 weight rows are first transposed into k-pair-major ("VNNI") order, so one 16-lane load
//    holds a k pair of 16 output columns and every token's pair is a broadcast: 6 tokens x 64 columns
//    of accumulators per step, no lane reductions, and half the cache traffic per multiply.
#include <immintrin.h>

#include <vector>

#include "gemm/avx512_common.h"
#include "gemm/driver.h"
#include "gemm/panel_avx512bf16.h"
#include "thread_pool.h"

namespace {

// What both micro-kernels below take: activations packed as bf16 rows padded to 32, bf16 weights.
using Bf16Operands = Operands<uint16_t, 32, 2>;

// 3 to 15 tokens: 4 tokens x 6 weight rows, so each activation load feeds six products. The one-row
// kernel below loads an activation per product, which from 3 tokens costs more than the tile's six
// interleaved streams (their next block prefetched into L2); at 8 tokens and K = 2,048 (LM head and
// attention projections of a batch-8 decode step), its activation block out of L1, it took 1.3-2x as long.
struct TileMicro : Bf16Operands {
  static constexpr int MR = 4, NR = 6;

  template <int mr, int nr>
  static void tile(const uint16_t* x, int64_t Kp, int64_t K, const uint8_t* w, int64_t wstride, float* y,
                   int64_t ldy, const uint8_t* next) {
    __m512 acc[mr][NR] = {};
    for (int64_t k = 0; k < Kp; k += 32) {
      const __mmask32 mask = first_lanes32(K - k);
      // Into L2 only: the next block's six rows would push this block's rows and the activations out of L1.
      prefetch_rows<NR, _MM_HINT_T1>(next, wstride, k * 2);
      __m512bh wv[nr];
      #pragma GCC unroll 8
      for (int j = 0; j < nr; ++j)
        wv[j] = (__m512bh)_mm512_maskz_loadu_epi16(mask, w + j * wstride + k * 2);
      #pragma GCC unroll 8
      for (int i = 0; i < mr; ++i) {
        const __m512bh xv = (__m512bh)_mm512_loadu_si512(x + i * Kp + k);
        #pragma GCC unroll 8
        for (int j = 0; j < nr; ++j) acc[i][j] = _mm512_dpbf16_ps(acc[i][j], xv, wv[j]);
      }
    }
    #pragma GCC unroll 8
    for (int i = 0; i < mr; ++i) store_sums<nr>(acc[i], y + i * ldy);
  }
};

// 1 or 2 tokens (decode, and many experts of a short prefill): one weight row at a time, front to
// back, so a task's rows are a single sequential run of memory that the hardware prefetchers follow
// across pages without help. The 6-row tile this replaced read six pages at once with software
// prefetches one block ahead; in a scratch test on this container's Zen 4 (2 threads, 1 GiB of rows
// of 1,024 and 2,048 bf16, one token) it streamed at 0.75-1.0x the rate of this pattern, and two rows
// at a time at 0.65-0.85x. Four accumulators per output (k steps of 32 taken in turn) hide the
// vdpbf16ps latency; every output is summed in the same order whatever mr is.
struct RowMicro : Bf16Operands {
  static constexpr int MR = 2, NR = 1;

  template <int mr, int nr>
  static void tile(const uint16_t* x, int64_t Kp, int64_t K, const uint8_t* w, int64_t /*wstride*/, float* y,
                   int64_t ldy, const uint8_t* /*next: the hardware prefetchers follow one stream*/) {
    static_assert(nr == 1, "one weight row per tile");
    constexpr int kChains = 4;
    __m512 acc[kChains][mr] = {};
    const auto step = [&](int c, int64_t k, __mmask32 mask) {
      const __m512bh wv = (__m512bh)_mm512_maskz_loadu_epi16(mask, w + k * 2);
      #pragma GCC unroll 8
      for (int i = 0; i < mr; ++i)
        acc[c][i] = _mm512_dpbf16_ps(acc[c][i], (__m512bh)_mm512_loadu_si512(x + i * Kp + k), wv);
    };
    const auto tail_mask = [&](int64_t k) { return first_lanes32(K - k); };
    int64_t k = 0;
    for (; k + 32 * kChains <= K; k += 32 * kChains)
      #pragma GCC unroll 4
      for (int c = 0; c < kChains; ++c) step(c, k + 32 * c, ~__mmask32(0));
    // At most four steps left (Kp is K rounded up to 32); constant chain indices keep acc in registers.
    if (k < Kp) step(0, k, tail_mask(k));
    if (k + 32 < Kp) step(1, k + 32, tail_mask(k + 32));
    if (k + 64 < Kp) step(2, k + 64, tail_mask(k + 64));
    if (k + 96 < Kp) step(3, k + 96, tail_mask(k + 96));
    __m512 r[4];
    #pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {
      const int t = i < mr ? i : mr - 1;
      r[i] = _mm512_add_ps(_mm512_add_ps(acc[0][t], acc[1][t]), _mm512_add_ps(acc[2][t], acc[3][t]));
    }
    alignas(16) float s[4];
    _mm_store_ps(s, hsum4(r[0], r[1], r[2], r[3]));
    #pragma GCC unroll 4
    for (int i = 0; i < mr; ++i) y[i * ldy] = s[i];
  }
};

// Every token of x (M rows of Kp bf16) against one panel, 6 tokens per pass (24 of the 32 zmm
// registers accumulate); only the first pass prefetches `ahead` (the later ones read the panel from cache).
void panel_rows(const uint16_t* x, int64_t M, int64_t Kp, const uint32_t* panel, int64_t cols, float* y,
                int64_t ldy, const uint8_t* ahead, int64_t ahead_step) {
  constexpr int MR = 6;
  for (int64_t m = 0; m < M; m += MR) {
    const uint16_t* xb = x + m * Kp;
    float* yb = y + m * ldy;
    const uint8_t* pf = m == 0 ? ahead : nullptr;
    switch (M - m < MR ? M - m : MR) {
      case 6: panel_tile<6>(xb, Kp, panel, cols, yb, ldy, pf, ahead_step); break;
      case 5: panel_tile<5>(xb, Kp, panel, cols, yb, ldy, pf, ahead_step); break;
      case 4: panel_tile<4>(xb, Kp, panel, cols, yb, ldy, pf, ahead_step); break;
      case 3: panel_tile<3>(xb, Kp, panel, cols, yb, ldy, pf, ahead_step); break;
      case 2: panel_tile<2>(xb, Kp, panel, cols, yb, ldy, pf, ahead_step); break;
      default: panel_tile<1>(xb, Kp, panel, cols, yb, ldy, pf, ahead_step); break;
    }
  }
}

void run_panels(const void* xp, int64_t M, int64_t K, const uint8_t* w, int64_t n0, int64_t n1, float* y,
                int64_t ldy) {
  const uint16_t* x = static_cast<const uint16_t*>(xp);
  const int64_t Kp = round_up<32>(K);
  thread_local std::vector<uint32_t> panel;
  panel.resize(size_t(Kp / 2 * kPanelCols));
  for (int64_t n = n0; n < n1; n += kPanelCols) {
    const int64_t cols = n1 - n < kPanelCols ? n1 - n : kPanelCols;
    pack_panel(w + n * K * 2, K, cols, panel.data());
    // Packing waits on memory while the tiles wait on none, so the first tile pass brings the rows
    // of this thread's next panel (contiguous bytes) into L2, a slice per k pair. Past this call's
    // rows that is pool_threads() - 1 tasks on: callers hand out one panel (kRowsPerTask) per task
    // and the pool's threads claim them in order. Near the matrix's end it may point past it; a
    // prefetch never faults.
    const uint8_t* ahead = w + (n + cols < n1 ? n + cols : n1 + (pool_threads() - 1) * kPanelCols) * K * 2;
    const int64_t ahead_step = (kPanelCols * K * 2 / (Kp / 2) + 63) & ~int64_t(63);
    panel_rows(x, M, Kp, panel.data(), cols, y + (n - n0), ldy, ahead, ahead_step);
  }
}

const GemmKernel kBf16Rows = driver_kernel<RowMicro>("avx512bf16-rows", pack);
const GemmKernel kBf16 = driver_kernel<TileMicro>("avx512bf16", pack);
const GemmKernel kBf16Panels = {"avx512bf16-panels", packed_bytes<TileMicro>, pack, run_panels};

}  // namespace

const GemmKernel* gemm_avx512bf16(DType dtype, int64_t M) {
  if (dtype != DType::BF16) return nullptr;
  return M <= kAvx512Bf16RowMaxTokens ? &kBf16Rows : &kBf16;
}

const GemmKernel* gemm_avx512bf16_panels(DType dtype) { return dtype == DType::BF16 ? &kBf16Panels : nullptr; }
