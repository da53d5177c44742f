// The part of e^x that the vector silu_mul versions share (silu_mul_avx2.cc, silu_mul_avx512.cc), as
// Cephes' expf: x = n ln2 + r with |r| <= ln2 / 2 (ln2 split in two so n ln2 is exact) and a degree-6
// polynomial for e^r. Each file clamps x and scales by 2^n its own way. V is __m256 or __m512: include
// only from files built with AVX2 + FMA or AVX-512 flags. `*` and `+` on V are what GCC's and Clang's
// _mm256_mul_ps / _mm512_add_ps and the like are.
#pragma once
#include <immintrin.h>

namespace {

template <class V>
constexpr bool kZmm = sizeof(V) == 64;

template <class V>
V splat(float a) {
  if constexpr (kZmm<V>) return _mm512_set1_ps(a);
  else return _mm256_set1_ps(a);
}

template <class V>
V fmadd(V a, V b, V c) {
  if constexpr (kZmm<V>) return _mm512_fmadd_ps(a, b, c);
  else return _mm256_fmadd_ps(a, b, c);
}

template <class V>
V fnmadd(V a, V b, V c) {
  if constexpr (kZmm<V>) return _mm512_fnmadd_ps(a, b, c);
  else return _mm256_fnmadd_ps(a, b, c);
}

template <class V>
V round_nearest(V x) {
  if constexpr (kZmm<V>) return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  else return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

// e^r, and n = round(x / ln2) in *n: e^x = e^r * 2^n.
template <class V>
V exp_reduced(V x, V* n) {
  *n = round_nearest(x * splat<V>(1.44269504088896341f));
  V r = fnmadd(*n, splat<V>(0.693359375f), x);
  r = fnmadd(*n, splat<V>(-2.12194440e-4f), r);
  V p = splat<V>(1.9875691500e-4f);
  p = fmadd(p, r, splat<V>(1.3981999507e-3f));
  p = fmadd(p, r, splat<V>(8.3334519073e-3f));
  p = fmadd(p, r, splat<V>(4.1665795894e-2f));
  p = fmadd(p, r, splat<V>(1.6666665459e-1f));
  p = fmadd(p, r, splat<V>(5.0000001201e-1f));
  return fmadd(p * r, r, r + splat<V>(1.0f));
}

}  // namespace
