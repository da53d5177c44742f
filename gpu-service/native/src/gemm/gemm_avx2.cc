// AVX2 + FMA + F16C micro-kernels (8 lanes) for driver.h; weights are decoded in registers. Two register
// tiles: 4 tokens x 3 weight rows (each decoded vector feeds 4 FMAs: the decode's shuffle and shift
// otherwise take issue slots from the FMAs, and Zen 2 ran 3 x 4 at ~0.55x the FMA rate of 4 x 3 with
// the weights in cache), and for one or two tokens 2 x 5, so a decode step still streams 5 rows at once.
#include <immintrin.h>

#include <cstring>

#include "gemm/driver.h"
#include "numeric.h"

namespace {

// Rows padded to a multiple of 8 with zeros, so the k loop has no scalar tail on the x side.
void pack(const float* x, int64_t M, int64_t K, void* dst) {
  float* out = static_cast<float*>(dst);
  const int64_t Kp = round_up<8>(K);
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

template <DType DT, int kMR, int kNR>
struct Micro : Operands<float, 8, int64_t(dtype_size(DT))> {
  static constexpr int MR = kMR, NR = kNR;

  template <int mr, int nr>
  static void tile(const float* x, int64_t Kp, int64_t K, const uint8_t* w, int64_t wstride, float* y,
                   int64_t ldy, const uint8_t* next) {
    constexpr int64_t kWeightBytes = Micro::kWeightBytes;
    __m256 acc[mr][NR] = {};
    const int64_t Kfull = K & ~int64_t(7);
    for (int64_t k = 0; k < Kp; k += 8) {
      // One prefetch per 64-byte line of each row, not per 8 elements.
      if ((k * kWeightBytes) % 64 == 0) prefetch_rows<NR>(next, wstride, k * kWeightBytes);
      __m256 wv[nr];
      #pragma GCC unroll 8
      for (int j = 0; j < nr; ++j) {
        const uint8_t* p = w + j * wstride + k * kWeightBytes;
        wv[j] = k < Kfull ? load8<DT>(p) : load_tail<DT>(p, K - k);
      }
      #pragma GCC unroll 8
      for (int i = 0; i < mr; ++i) {
        const __m256 xv = _mm256_loadu_ps(x + i * Kp + k);
        #pragma GCC unroll 8
        for (int j = 0; j < nr; ++j) acc[i][j] = _mm256_fmadd_ps(xv, wv[j], acc[i][j]);
      }
    }
    // Lanes summed four rows at a time (unused slots repeat a row); each sum's order depends on its row alone.
    constexpr auto at = [](int j) { return j < NR ? j : NR - 1; };
    #pragma GCC unroll 8
    for (int i = 0; i < mr; ++i)
      #pragma GCC unroll 2
      for (int j0 = 0; j0 < nr; j0 += 4) {
        alignas(16) float s[4];
        _mm_store_ps(s, hsum4(acc[i][j0], acc[i][at(j0 + 1)], acc[i][at(j0 + 2)], acc[i][at(j0 + 3)]));
        const int end = nr < j0 + 4 ? nr : j0 + 4;
        for (int j = j0; j < end; ++j) y[i * ldy + j] = s[j - j0];
      }
  }
};

template <DType DT, int MR, int NR>
constexpr GemmKernel kernel(const char* name) {
  return driver_kernel<Micro<DT, MR, NR>>(name, pack);
}

const GemmKernel kBf16 = kernel<DType::BF16, 4, 3>("avx2-bf16");
const GemmKernel kF16 = kernel<DType::F16, 4, 3>("avx2-f16");
const GemmKernel kF32 = kernel<DType::F32, 4, 3>("avx2-f32");
const GemmKernel kBf16Narrow = kernel<DType::BF16, 2, 5>("avx2-bf16-narrow");
const GemmKernel kF16Narrow = kernel<DType::F16, 2, 5>("avx2-f16-narrow");
const GemmKernel kF32Narrow = kernel<DType::F32, 2, 5>("avx2-f32-narrow");

}  // namespace

const GemmKernel* gemm_avx2(DType dtype, int64_t M) {
  if (M <= kAvx2NarrowMaxTokens) return dtype == DType::BF16 ? &kBf16Narrow : dtype == DType::F16 ? &kF16Narrow : &kF32Narrow;
  return dtype == DType::BF16 ? &kBf16 : dtype == DType::F16 ? &kF16 : &kF32;
}
