#include "gemm/parallel.h"

#include "thread_pool.h"

void parallel_gemm(Isa isa, const float* x, int64_t M, const MatrixView& w, float* y) {
  const int64_t N = w.rows, K = w.cols;
  const GemmKernel& kern = select_gemm(isa, w.dtype, M, N, K, kLinearPanelMinTokens);
  // Reused across calls on the calling thread; only the pointer enters the tasks, where `packed`
  // would name each worker's own thread_local copy.
  thread_local std::vector<uint8_t> packed;
  packed.resize(kern.packed_bytes(M, K));
  kern.pack(x, M, K, packed.data());
  const uint8_t* xp = packed.data();
  // A single task (a router of <= 64 experts) runs on the calling thread.
  parallel_for((N + kRowsPerTask - 1) / kRowsPerTask, [&](int64_t t) {
    const int64_t n0 = t * kRowsPerTask, n1 = n0 + kRowsPerTask < N ? n0 + kRowsPerTask : N;
    kern.run(xp, M, K, w.data, n0, n1, y + n0, N);
  });
}
