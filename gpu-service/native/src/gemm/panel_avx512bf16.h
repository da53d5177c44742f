// The AVX512-BF16 outer-product ("panel") kernel's pieces, shared by the kernel that repacks each
// call's weight rows (gemm_avx512bf16.cc) and the one that reads weights repacked once, when bound
// (prepacked_avx512bf16.cc): the same panel layout and the same tile, so both give the same bits.
// Included only by files built with AVX512-BF16 flags, in an anonymous namespace (as driver.h).
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "gemm/avx512_common.h"
#include "gemm/driver.h"
#include "numeric.h"

namespace {

// x[M, K] -> bf16 rows (round-to-nearest-even) padded with zeros to a multiple of 32.
void pack(const float* x, int64_t M, int64_t K, void* dst) {
  uint16_t* out = static_cast<uint16_t*>(dst);
  const int64_t Kp = round_up<32>(K);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t k = 0; k < Kp; ++k) out[m * Kp + k] = k < K ? f32_to_bf16(x[m * K + k]) : 0;
}

constexpr int64_t kPanelCols = 64;  // weight rows per packed panel: one GemmKernel::run call (kRowsPerTask)
constexpr int64_t kPackAhead = 256;  // elements (8 lines of a row) the panel packing prefetches ahead

// In-register transpose of 16 x 16 32-bit elements: r[j] = row j in, r[i] = column i out.
void transpose16(__m512i r[16]) {
  __m512i t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
    r[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
    r[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
    r[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
  }
  for (int i = 0; i < 4; ++i) {
    const __m512i ab_lo = _mm512_shuffle_i32x4(r[i], r[i + 4], 0x88), ab_hi = _mm512_shuffle_i32x4(r[i], r[i + 4], 0xdd);
    const __m512i cd_lo = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0x88), cd_hi = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0xdd);
    t[i] = _mm512_shuffle_i32x4(ab_lo, cd_lo, 0x88);
    t[i + 8] = _mm512_shuffle_i32x4(ab_lo, cd_lo, 0xdd);
    t[i + 4] = _mm512_shuffle_i32x4(ab_hi, cd_hi, 0x88);
    t[i + 12] = _mm512_shuffle_i32x4(ab_hi, cd_hi, 0xdd);
  }
  for (int i = 0; i < 16; ++i) r[i] = t[i];
}

// Weight rows [0, rows) (rows <= W, a multiple of 16; K bf16 each, row stride K) -> panel[kp][W] of
// 32-bit k pairs, zero past K and past `rows`.
template <int64_t W = kPanelCols>
void pack_panel(const uint8_t* w, int64_t K, int64_t rows, uint32_t* panel) {
  const int64_t Kp = round_up<32>(K);
  for (int64_t c0 = 0; c0 < W; c0 += 16) {
    for (int64_t k0 = 0; k0 < Kp; k0 += 32) {
      const __mmask32 mask = first_lanes32(K - k0);
      __m512i r[16];
      for (int j = 0; j < 16; ++j) {
        const uint8_t* src = w + ((c0 + j) * K + k0) * 2;
        // The rows come from memory: keep requests for the next few lines of each in flight.
        if (k0 + kPackAhead < K) _mm_prefetch(reinterpret_cast<const char*>(src + kPackAhead * 2), _MM_HINT_T0);
        r[j] = c0 + j < rows ? _mm512_maskz_loadu_epi16(mask, src) : _mm512_setzero_si512();
      }
      transpose16(r);
      for (int i = 0; i < 16; ++i) _mm512_storeu_si512(panel + (k0 / 2 + i) * W + c0, r[i]);
    }
  }
}

// y[i][c] for i < mr tokens, the columns of NB panels of width W, `block_words` apart (column
// b * W + c of y from panel b; stores masked to `cols`). With `ahead` set, also prefetches
// `ahead_step` bytes from ahead + kp * ahead_step into L2 per k pair (see run_panels). Each output
// is one chain of vdpbf16ps over the k pairs in order, whatever mr, W and NB are.
template <int mr, int64_t W = kPanelCols, int NB = 1>
void panel_tile(const uint16_t* x, int64_t Kp, const uint32_t* panel, int64_t cols, float* y, int64_t ldy,
                const uint8_t* ahead, int64_t ahead_step, int64_t block_words = 0) {
  constexpr int PV = int(W / 16), NV = NB * PV;
  __m512 acc[mr][NV];
  #pragma GCC unroll 16
  for (int i = 0; i < mr; ++i)
    #pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
  for (int64_t kp = 0; kp < Kp / 2; ++kp) {
    if (ahead)
      for (int64_t o = 0; o < ahead_step; o += 64)
        _mm_prefetch(reinterpret_cast<const char*>(ahead + kp * ahead_step + o), _MM_HINT_T1);
    __m512bh b[NV];
    #pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      b[v] = (__m512bh)_mm512_loadu_si512(panel + (v / PV) * block_words + kp * W + (v % PV) * 16);
    #pragma GCC unroll 16
    for (int i = 0; i < mr; ++i) {
      const __m512bh a = (__m512bh)_mm512_set1_epi32(*reinterpret_cast<const int32_t*>(x + i * Kp + 2 * kp));
      #pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_dpbf16_ps(acc[i][v], a, b[v]);
    }
  }
  #pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    const int64_t left = cols - v * 16;
    if (left <= 0) break;
    const __mmask16 mask = left >= 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1);
    #pragma GCC unroll 16
    for (int i = 0; i < mr; ++i) _mm512_mask_storeu_ps(y + i * ldy + v * 16, mask, acc[i][v]);
  }
}

}  // namespace
