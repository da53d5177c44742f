// AVX2 + FMA + F16C kernels (8 lanes). Register tile of 3 tokens x 4 weight rows; weights are
// decoded in registers, each decoded vector feeds 3 FMAs.
#include <immintrin.h>

#include <cstring>

#include "gemm/kernel.h"
#include "numeric.h"

namespace {

constexpr int MR = 3, NR = 4;

int64_t round8(int64_t k) { return (k + 7) & ~int64_t(7); }

size_t packed_bytes(int64_t M, int64_t K) { return size_t(M * round8(K)) * sizeof(float); }

// Rows padded to a multiple of 8 with zeros, so the k loop has no scalar tail on the x side.
void pack(const float* x, int64_t M, int64_t K, void* dst) {
  float* out = static_cast<float*>(dst);
  const int64_t Kp = round8(K);
  for (int64_t m = 0; m < M; ++m) {
    memcpy(out + m * Kp, x + m * K, size_t(K) * sizeof(float));
    for (int64_t k = K; k < Kp; ++k) out[m * Kp + k] = 0.0f;
  }
}

template <DType DT>
__m256 load8(const uint8_t* p) {
  if constexpr (DT == DType::BF16) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  } else if constexpr (DT == DType::F16) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  } else {
    return _mm256_loadu_ps(reinterpret_cast<const float*>(p));
  }
}

// Last partial vector of a weight row, zero-filled, without reading past the row's end.
template <DType DT>
__m256 load_tail(const uint8_t* p, int64_t count) {
  alignas(32) float buf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int64_t i = 0; i < count; ++i) buf[i] = load_elem(p, DT, i);
  return _mm256_load_ps(buf);
}

__m128 hsum4(__m256 a, __m256 b, __m256 c, __m256 d) {
  const __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d));
  return _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
}

template <DType DT, int mr, int nr>
void tile(const float* x, int64_t Kp, int64_t K, const uint8_t* w, int64_t wstride, float* y,
          int64_t ldy) {
  constexpr int64_t es = int64_t(dtype_size(DT));
  __m256 acc[mr][NR];
  #pragma GCC unroll 8
  for (int i = 0; i < mr; ++i)
    #pragma GCC unroll 8
    for (int j = 0; j < NR; ++j) acc[i][j] = _mm256_setzero_ps();
  const int64_t Kfull = K & ~int64_t(7);
  for (int64_t k = 0; k < Kp; k += 8) {
    __m256 wv[nr];
    #pragma GCC unroll 8
    for (int j = 0; j < nr; ++j) {
      const uint8_t* p = w + j * wstride + k * es;
      wv[j] = k < Kfull ? load8<DT>(p) : load_tail<DT>(p, K - k);
    }
    #pragma GCC unroll 8
    for (int i = 0; i < mr; ++i) {
      const __m256 xv = _mm256_loadu_ps(x + i * Kp + k);
      #pragma GCC unroll 8
      for (int j = 0; j < nr; ++j) acc[i][j] = _mm256_fmadd_ps(xv, wv[j], acc[i][j]);
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

template <DType DT, int mr>
void tile_n(int nr, const float* x, int64_t Kp, int64_t K, const uint8_t* w, int64_t ws, float* y,
            int64_t ldy) {
  switch (nr) {
    case 4: return tile<DT, mr, 4>(x, Kp, K, w, ws, y, ldy);
    case 3: return tile<DT, mr, 3>(x, Kp, K, w, ws, y, ldy);
    case 2: return tile<DT, mr, 2>(x, Kp, K, w, ws, y, ldy);
    default: return tile<DT, mr, 1>(x, Kp, K, w, ws, y, ldy);
  }
}

template <DType DT>
void run(const void* xp, int64_t M, int64_t K, const uint8_t* w, int64_t n0, int64_t n1, float* y,
         int64_t ldy) {
  const float* x = static_cast<const float*>(xp);
  const int64_t Kp = round8(K), ws = K * int64_t(dtype_size(DT));
  for (int64_t n = n0; n < n1; n += NR) {
    const int nr = int(n1 - n < NR ? n1 - n : NR);
    for (int64_t m = 0; m < M; m += MR) {
      const int mr = int(M - m < MR ? M - m : MR);
      const float* xb = x + m * Kp;
      float* yb = y + m * ldy + (n - n0);
      const uint8_t* wb = w + n * ws;
      if (mr == 3) tile_n<DT, 3>(nr, xb, Kp, K, wb, ws, yb, ldy);
      else if (mr == 2) tile_n<DT, 2>(nr, xb, Kp, K, wb, ws, yb, ldy);
      else tile_n<DT, 1>(nr, xb, Kp, K, wb, ws, yb, ldy);
    }
  }
}

const GemmKernel kBf16 = {"avx2-bf16", packed_bytes, pack, run<DType::BF16>};
const GemmKernel kF16 = {"avx2-f16", packed_bytes, pack, run<DType::F16>};
const GemmKernel kF32 = {"avx2-f32", packed_bytes, pack, run<DType::F32>};

}  // namespace

const GemmKernel* gemm_avx2(DType dtype) {
  return dtype == DType::BF16 ? &kBf16 : dtype == DType::F16 ? &kF16 : &kF32;
}
