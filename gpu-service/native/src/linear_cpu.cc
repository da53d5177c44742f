#include "cpu_ops.h"
#include "gemm/parallel.h"

void linear_cpu(const float* x, int64_t tokens, const MatrixView& w, const PrepackedWeights* packed, Isa isa,
                float* y) {
  if (packed && packed->serves(isa, tokens)) packed->gemm(x, tokens, y);
  else parallel_gemm(isa, x, tokens, w, y);
}
