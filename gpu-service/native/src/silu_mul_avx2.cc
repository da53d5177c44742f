// Built with AVX2 + FMA flags; called only when the CPU has them (silu_mul.cc). exp_simd.h's exp
// in 8 lanes: without scalef, 2^n is built in the exponent bits, so x is clamped to [-87, 88]
// where n stays a normal exponent (exp(88) is finite; below -87 silu(g) = g / (1 + e^-g) is already
// under 1e-36 in magnitude, where the scalar loop gives -0).
#include <immintrin.h>

#include "exp_simd.h"
#include "silu_mul.h"

namespace {

__m256 exp256(__m256 x) {
  x = _mm256_max_ps(_mm256_min_ps(x, _mm256_set1_ps(88.0f)), _mm256_set1_ps(-87.0f));
  __m256 n;
  const __m256 p = exp_reduced(x, &n);
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

}  // namespace

void silu_mul_avx2(const float* g, const float* u, float* h, int64_t n) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (int64_t i = 0; i < n; i += 8) {
    // The row's last partial vector through the same lanes (masked), so no element takes another path.
    const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(int(n - i < 8 ? n - i : 8)), lane);
    const __m256 gv = _mm256_maskload_ps(g + i, m);
    const __m256 e = exp256(_mm256_sub_ps(_mm256_setzero_ps(), gv));
    const __m256 s = _mm256_div_ps(gv, _mm256_add_ps(one, e));
    _mm256_maskstore_ps(h + i, m, _mm256_mul_ps(s, _mm256_maskload_ps(u + i, m)));
  }
}
