// AVX512-BF16 kernels over bf16 weights packed once into 64-row panels (gemm/prepacked.h): the
// panel kernel of gemm_avx512bf16.cc without its per-call transpose, for every token count. One
// token reads a k pair of 64 outputs as four zmm loads, one broadcast of the token's pair and four
// vdpbf16ps into four accumulators: one sequential stream per task, no horizontal sums. Each output
// is one chain over k pairs in order whatever M is, so a row's result does not depend on its batch.
#include <immintrin.h>

#include "gemm/panel_avx512bf16.h"
#include "gemm/prepacked.h"

namespace {

static_assert(kPanelCols == kPrepackedPanelRows, "one packed panel per task");

void pack_whole_panel(const MatrixView& w, int64_t p, uint32_t* dst) {
  const int64_t n0 = p * kPanelCols, rows = w.rows - n0 < kPanelCols ? w.rows - n0 : kPanelCols;
  pack_panel(w.row(n0), w.cols, rows, dst);
}

size_t packed_x_bytes(int64_t M, int64_t K) { return size_t(M * round32(K)) * sizeof(uint16_t); }

void run(const void* xp, int64_t M, int64_t K, const uint32_t* panel, int64_t cols, float* y, int64_t ldy,
         const uint32_t* next) {
  const int64_t Kp = round32(K);
  // One pass (up to 6 tokens) streams the panel once and the hardware prefetchers follow it; with more
  // passes the first one, which alone waits on memory, brings the thread's next panel into L2, a slice
  // per k pair (as run_panels does).
  const uint8_t* ahead = M > 6 ? reinterpret_cast<const uint8_t*>(next) : nullptr;
  const int64_t ahead_step = kPanelCols * 4;
  panel_rows(static_cast<const uint16_t*>(xp), M, Kp, panel, cols, y, ldy, ahead, ahead_step);
}

const PrepackedKernel kBf16Prepacked = {"avx512bf16-prepacked", pack_whole_panel, packed_x_bytes, pack, run};

}  // namespace

const PrepackedKernel* prepacked_avx512bf16(DType dtype) { return dtype == DType::BF16 ? &kBf16Prepacked : nullptr; }
