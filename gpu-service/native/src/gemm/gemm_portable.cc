// Reference kernel: plain C++ for every dtype. The SIMD kernels are tested against it, and it is
// what runs on CPUs without AVX2.
#include <cstring>
#include <vector>

#include "gemm/kernel.h"
#include "numeric.h"

namespace {

size_t packed_bytes(int64_t M, int64_t K) { return size_t(M * K) * sizeof(float); }

void pack(const float* x, int64_t M, int64_t K, void* dst) {
  memcpy(dst, x, packed_bytes(M, K));
}

template <DType DT>
void run(const void* xp, int64_t M, int64_t K, const uint8_t* w, int64_t n0, int64_t n1, float* y,
         int64_t ldy) {
  const float* x = static_cast<const float*>(xp);
  thread_local std::vector<float> row;  // one decoded weight row, reused for every token
  row.resize(size_t(K));
  for (int64_t n = n0; n < n1; ++n) {
    const uint8_t* wr = w + n * K * int64_t(dtype_size(DT));
    for (int64_t k = 0; k < K; ++k) row[k] = load_elem(wr, DT, k);
    for (int64_t m = 0; m < M; ++m) {
      const float* xr = x + m * K;
      float acc = 0.0f;
      for (int64_t k = 0; k < K; ++k) acc += xr[k] * row[k];
      y[m * ldy + (n - n0)] = acc;
    }
  }
}

const GemmKernel kBf16 = {"portable-bf16", packed_bytes, pack, run<DType::BF16>};
const GemmKernel kF16 = {"portable-f16", packed_bytes, pack, run<DType::F16>};
const GemmKernel kF32 = {"portable-f32", packed_bytes, pack, run<DType::F32>};

}  // namespace

const GemmKernel* gemm_portable(DType dtype) {
  return dtype == DType::BF16 ? &kBf16 : dtype == DType::F16 ? &kF16 : &kF32;
}
