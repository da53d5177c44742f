#include "gemm/kernel.h"

const GemmKernel& select_gemm(Isa isa, DType dtype, int64_t M, int64_t N, int64_t K, int64_t panel_min_tokens) {
  // AMX tiles are 16 rows of W by 32 k: below a full tile of tokens the AVX-512 kernels are as
  // fast (the call is bandwidth-bound) and need no tile padding.
  if (isa >= Isa::Amx && M >= 16 && N % 16 == 0 && K % 32 == 0)
    if (const GemmKernel* k = gemm_amx(dtype)) return *k;
  // From panel_min_tokens tokens the panel kernel's transpose of the weight rows is repaid (measured).
  if (isa >= Isa::Avx512Bf16 && M >= panel_min_tokens)
    if (const GemmKernel* k = gemm_avx512bf16_panels(dtype)) return *k;
  if (isa >= Isa::Avx512Bf16)
    if (const GemmKernel* k = gemm_avx512bf16(dtype, M)) return *k;
  if (isa >= Isa::Avx512)
    if (const GemmKernel* k = gemm_avx512(dtype)) return *k;
  if (isa >= Isa::Avx2)
    if (const GemmKernel* k = gemm_avx2(dtype, M)) return *k;
  return *gemm_portable(dtype);
}
