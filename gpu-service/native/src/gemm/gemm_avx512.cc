// AVX-512 micro-kernel (16 lanes, f32 FMA) for driver.h. Register tile of 4 tokens x 4 weight rows,
// 32 k per step. bf16 is decoded with one shift or one mask per 16 weights: the even elements of a
// 32-element load are `v << 16`, the odd ones `v & 0xffff0000`. The activations are packed once in
// the same even/odd order, so no shuffles are needed in the inner loop.
#include <immintrin.h>

#include "gemm/avx512_common.h"
#include "gemm/driver.h"

namespace {

// Rows padded with zeros to a multiple of 32; bf16 layout deinterleaves each 32-block.
template <bool kEvenOdd>
void pack(const float* x, int64_t M, int64_t K, void* dst) {
  float* out = static_cast<float*>(dst);
  const int64_t Kp = round_up<32>(K);
  for (int64_t m = 0; m < M; ++m) {
    const float* src = x + m * K;
    float* row = out + m * Kp;
    for (int64_t k0 = 0; k0 < Kp; k0 += 32) {
      for (int64_t i = 0; i < 32; ++i) {
        const int64_t k = k0 + i;
        const int64_t slot = kEvenOdd ? (i % 2) * 16 + i / 2 : i;
        row[k0 + slot] = k < K ? src[k] : 0.0f;
      }
    }
  }
}

// 32 weights from k (fewer at the row's end, zero-filled via the mask) as two f32 vectors in the
// order `pack` lays the activations out.
template <DType DT>
void load32(const uint8_t* p, __mmask32 mask, __m512& lo, __m512& hi) {
  if constexpr (DT == DType::BF16) {
    const __m512i v = _mm512_maskz_loadu_epi16(mask, p);
    lo = _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
    hi = _mm512_castsi512_ps(_mm512_and_si512(v, _mm512_set1_epi32(int(0xffff0000u))));
  } else if constexpr (DT == DType::F16) {
    const __m512i v = _mm512_maskz_loadu_epi16(mask, p);
    lo = _mm512_cvtph_ps(_mm512_castsi512_si256(v));
    hi = _mm512_cvtph_ps(_mm512_extracti64x4_epi64(v, 1));
  } else {
    const float* f = reinterpret_cast<const float*>(p);
    lo = _mm512_maskz_loadu_ps(__mmask16(mask), f);
    hi = _mm512_maskz_loadu_ps(__mmask16(mask >> 16), f + 16);
  }
}

template <DType DT>
struct Micro : Operands<float, 32, int64_t(dtype_size(DT))> {
  static constexpr int MR = 4, NR = 4;

  template <int mr, int nr>
  static void tile(const float* x, int64_t Kp, int64_t K, const uint8_t* w, int64_t wstride, float* y,
                   int64_t ldy, const uint8_t* next) {
    constexpr int64_t kWeightBytes = Micro::kWeightBytes;
    __m512 acc[mr][NR] = {};
    for (int64_t k = 0; k < Kp; k += 32) {
      const __mmask32 mask = first_lanes32(K - k);
      prefetch_rows<NR>(next, wstride, k * kWeightBytes);
      __m512 lo[nr], hi[nr];
      #pragma GCC unroll 8
      for (int j = 0; j < nr; ++j) load32<DT>(w + j * wstride + k * kWeightBytes, mask, lo[j], hi[j]);
      #pragma GCC unroll 8
      for (int i = 0; i < mr; ++i) {
        const __m512 xl = _mm512_loadu_ps(x + i * Kp + k);
        const __m512 xh = _mm512_loadu_ps(x + i * Kp + k + 16);
        #pragma GCC unroll 8
        for (int j = 0; j < nr; ++j) {
          acc[i][j] = _mm512_fmadd_ps(xl, lo[j], acc[i][j]);
          acc[i][j] = _mm512_fmadd_ps(xh, hi[j], acc[i][j]);
        }
      }
    }
    #pragma GCC unroll 8
    for (int i = 0; i < mr; ++i) store_sums<nr>(acc[i], y + i * ldy);
  }
};

template <DType DT>
constexpr GemmKernel kernel(const char* name) {
  return driver_kernel<Micro<DT>>(name, pack<DT == DType::BF16>);
}

const GemmKernel kBf16 = kernel<DType::BF16>("avx512-bf16");
const GemmKernel kF16 = kernel<DType::F16>("avx512-f16");
const GemmKernel kF32 = kernel<DType::F32>("avx512-f32");

}  // namespace

const GemmKernel* gemm_avx512(DType dtype) {
  return dtype == DType::BF16 ? &kBf16 : dtype == DType::F16 ? &kF16 : &kF32;
}
