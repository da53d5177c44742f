#include "cpu_ops.h"
#include "gemm/parallel.h"

void linear_cpu(const float* x, int64_t tokens, const MatrixView& w, Isa isa, float* y) {
  parallel_gemm(isa, x, tokens, w, y);
}
