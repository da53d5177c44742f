// AVX512-BF16 kernel for bf16 weights: vdpbf16ps multiplies 32 bf16 pairs per instruction with f32
// accumulation, twice the FMA rate of the f32 path and no decoding. The activations are rounded
// to bf16 (round-to-nearest-even) when packed, which is why bf16 results carry a bf16 tolerance.
#include <immintrin.h>

#include "gemm/kernel.h"
#include "numeric.h"

namespace {

constexpr int MR = 4, NR = 4;

int64_t round32(int64_t k) { return (k + 31) & ~int64_t(31); }

size_t packed_bytes(int64_t M, int64_t K) { return size_t(M * round32(K)) * sizeof(uint16_t); }

void pack(const float* x, int64_t M, int64_t K, void* dst) {
  uint16_t* out = static_cast<uint16_t*>(dst);
  const int64_t Kp = round32(K);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t k = 0; k < Kp; ++k) out[m * Kp + k] = k < K ? f32_to_bf16(x[m * K + k]) : 0;
}

// Same reduction as the AVX-512 f32 kernel: lane j of the result is the sum of r_j.
__m128 hsum4(__m512 r0, __m512 r1, __m512 r2, __m512 r3) {
  const __m512 t0 = _mm512_add_ps(_mm512_unpacklo_ps(r0, r1), _mm512_unpackhi_ps(r0, r1));
  const __m512 t1 = _mm512_add_ps(_mm512_unpacklo_ps(r2, r3), _mm512_unpackhi_ps(r2, r3));
  const __m512 u = _mm512_add_ps(
      _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t1))),
      _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t1))));
  const __m256 v = _mm256_add_ps(_mm512_castps512_ps256(u), _mm512_extractf32x8_ps(u, 1));
  return _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
}

template <int mr, int nr>
void tile(const uint16_t* x, int64_t Kp, int64_t K, const uint8_t* w, int64_t wstride, float* y,
          int64_t ldy) {
  __m512 acc[mr][NR];
  #pragma GCC unroll 8
  for (int i = 0; i < mr; ++i)
    #pragma GCC unroll 8
    for (int j = 0; j < NR; ++j) acc[i][j] = _mm512_setzero_ps();
  for (int64_t k = 0; k < Kp; k += 32) {
    const int64_t left = K - k;
    const __mmask32 mask = left >= 32 ? ~__mmask32(0) : (__mmask32(1) << left) - 1;
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
  for (int i = 0; i < mr; ++i) {
    alignas(16) float s[4];
    _mm_store_ps(s, hsum4(acc[i][0], acc[i][1], acc[i][2], acc[i][3]));
    #pragma GCC unroll 8
    for (int j = 0; j < nr; ++j) y[i * ldy + j] = s[j];
  }
}

template <int mr>
void tile_n(int nr, const uint16_t* x, int64_t Kp, int64_t K, const uint8_t* w, int64_t ws,
            float* y, int64_t ldy) {
  switch (nr) {
    case 4: return tile<mr, 4>(x, Kp, K, w, ws, y, ldy);
    case 3: return tile<mr, 3>(x, Kp, K, w, ws, y, ldy);
    case 2: return tile<mr, 2>(x, Kp, K, w, ws, y, ldy);
    default: return tile<mr, 1>(x, Kp, K, w, ws, y, ldy);
  }
}

void run(const void* xp, int64_t M, int64_t K, const uint8_t* w, int64_t n0, int64_t n1, float* y,
         int64_t ldy) {
  const uint16_t* x = static_cast<const uint16_t*>(xp);
  const int64_t Kp = round32(K), ws = K * 2;
  constexpr int64_t MB = 64;  // keeps the swept activation block in L2 (see gemm_avx512.cc)
  for (int64_t mb = 0; mb < M; mb += MB) {
    const int64_t me = mb + MB < M ? mb + MB : M;
    for (int64_t n = n0; n < n1; n += NR) {
      const int nr = int(n1 - n < NR ? n1 - n : NR);
      for (int64_t m = mb; m < me; m += MR) {
        const int mr = int(me - m < MR ? me - m : MR);
        const uint16_t* xb = x + m * Kp;
        float* yb = y + m * ldy + (n - n0);
        const uint8_t* wb = w + n * ws;
        switch (mr) {
          case 4: tile_n<4>(nr, xb, Kp, K, wb, ws, yb, ldy); break;
          case 3: tile_n<3>(nr, xb, Kp, K, wb, ws, yb, ldy); break;
          case 2: tile_n<2>(nr, xb, Kp, K, wb, ws, yb, ldy); break;
          default: tile_n<1>(nr, xb, Kp, K, wb, ws, yb, ldy); break;
        }
      }
    }
  }
}

const GemmKernel kBf16 = {"avx512bf16", packed_bytes, pack, run};

}  // namespace

const GemmKernel* gemm_avx512bf16(DType dtype) { return dtype == DType::BF16 ? &kBf16 : nullptr; }
