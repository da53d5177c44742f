// Pieces shared by the AVX-512 GEMM kernels. Included only by files built with AVX-512 flags, in an
// anonymous namespace (as driver.h).
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace {

// Lane j of the result is the sum of r_j's 16 lanes, in an order that depends on r_j alone.
inline __m128 hsum4(__m512 r0, __m512 r1, __m512 r2, __m512 r3) {
  const __m512 t0 = _mm512_add_ps(_mm512_unpacklo_ps(r0, r1), _mm512_unpackhi_ps(r0, r1));
  const __m512 t1 = _mm512_add_ps(_mm512_unpacklo_ps(r2, r3), _mm512_unpackhi_ps(r2, r3));
  const __m512 u = _mm512_add_ps(
      _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t1))),
      _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t1))));
  const __m256 v = _mm256_add_ps(_mm512_castps512_ps256(u), _mm512_extractf32x8_ps(u, 1));
  return _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
}

// y[j] = the sum of acc[j]'s lanes for j < nr (of NR <= 8 accumulators, four summed at a time).
template <int nr, int NR>
__attribute__((always_inline)) inline void store_sums(const __m512 (&acc)[NR], float* y) {
  static_assert(NR <= 8, "two hsum4 at most");
  constexpr auto at = [](int j) { return j < NR ? j : NR - 1; };
  alignas(16) float s[8];
  _mm_store_ps(s, hsum4(acc[0], acc[at(1)], acc[at(2)], acc[at(3)]));
  if constexpr (NR > 4) _mm_store_ps(s + 4, hsum4(acc[4], acc[at(5)], acc[at(6)], acc[at(7)]));
  #pragma GCC unroll 8
  for (int j = 0; j < nr; ++j) y[j] = s[j];
}

// The first n (at most 32) of 32 lanes: a row's last partial step of 32 elements.
inline __mmask32 first_lanes32(int64_t n) { return n >= 32 ? ~__mmask32(0) : (__mmask32(1) << n) - 1; }

}  // namespace
