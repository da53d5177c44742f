// Built with AVX-512 flags; called only when the CPU has AVX-512 (silu_mul.cc).
#include <immintrin.h>

#include "exp_simd.h"
#include "silu_mul.h"

namespace {

// exp(x): exp_reduced, then scalef by 2^n, which saturates to inf / 0 for large |x| as expf does.
__m512 exp512(__m512 x) {
  x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(100.0f)), _mm512_set1_ps(-110.0f));
  __m512 n;
  const __m512 p = exp_reduced(x, &n);
  return _mm512_scalef_ps(p, n);
}

}  // namespace

void silu_mul_avx512(const float* g, const float* u, float* h, int64_t n) {
  const __m512 one = _mm512_set1_ps(1.0f);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - i)) - 1);
    const __m512 gv = _mm512_maskz_loadu_ps(m, g + i);
    const __m512 e = exp512(_mm512_sub_ps(_mm512_setzero_ps(), gv));
    const __m512 s = _mm512_div_ps(gv, _mm512_add_ps(one, e));
    _mm512_mask_storeu_ps(h + i, m, _mm512_mul_ps(s, _mm512_maskz_loadu_ps(m, u + i)));
  }
}
