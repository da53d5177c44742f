// AVX512-BF16 kernels over bf16 weights packed once into 64-row panels (gemm/prepacked.h): the
// panel tile of gemm_avx512bf16.cc (panel_avx512bf16.h) without its per-call transpose, for every
// token count. One token reads a k pair of 32 outputs as two zmm loads, one broadcast of the token's
// pair and two vdpbf16ps: one sequential stream per task, no horizontal sums. Each output is one
// chain over k pairs in order whatever M is, so a row's result does not depend on its batch (and is
// the per-call panel kernel's).
#include <immintrin.h>

#include "gemm/panel_avx512bf16.h"
#include "gemm/prepacked.h"

namespace {

// A task's 64 rows are stored as two 32-row halves, each [Kp / 2][32] k pairs: up to 12 tokens x 2 zmm
// of accumulators in one pass over a half where 64 columns allow 6 x 4, so a batch-8 step's
// projections read their weights in one pass, not a pass from memory and one from L2 (measured
// faster at 8 tokens). Past 12 tokens, 6 x both halves per pass (run_pairs).
constexpr int64_t kHalf = 32;
constexpr int MR = 12;
static_assert(2 * kHalf == kPrepackedPanelRows, "two halves per task");
// Tokens from which a pass prefetches the next half: below, the prefetches slow a pass that mostly
// streams; from here the hardware prefetchers alone fall behind a pass that computes this much per
// byte (measured; at 8 it depends on the host's load, gpu-service/README.md).
constexpr int64_t kAheadMinTokens = 9;


int64_t clamp_rows(int64_t rows, int64_t half) {
  const int64_t r = rows - half * kHalf;
  return r <= 0 ? 0 : r < kHalf ? r : kHalf;
}

void pack_whole_panel(const MatrixView& w, int64_t p, uint32_t* dst) {
  const int64_t n0 = p * kPrepackedPanelRows, rows = w.rows - n0, half_words = round_up<32>(w.cols) / 2 * kHalf;
  for (int64_t h = 0; h < 2; ++h) {
    const int64_t r = clamp_rows(rows, h);
    pack_panel<kHalf>(w.row(r > 0 ? n0 + h * kHalf : n0), w.cols, r, dst + h * half_words);
  }
}

size_t packed_x_bytes(int64_t M, int64_t K) { return size_t(M * round_up<32>(K)) * sizeof(uint16_t); }

template <int mr>
void half_tile(const uint16_t* x, int64_t Kp, const uint32_t* half, int64_t cols, float* y, int64_t ldy,
               const uint8_t* ahead) {
  panel_tile<mr, kHalf>(x, Kp, half, cols, y, ldy, ahead, kHalf * 4);
}

// Past MR tokens a call makes several passes, all but the first from L2, and 6 tokens x both halves
// (4 zmm) per pass load fewer operands per product than 12 tokens x one half (measured: no slower at
// 16-24 tokens, faster from 32).
template <int mr>
void pair_tile(const uint16_t* x, int64_t Kp, const uint32_t* panel, int64_t half_words, int64_t cols, float* y,
               int64_t ldy, const uint8_t* ahead) {
  panel_tile<mr, kHalf, 2>(x, Kp, panel, cols, y, ldy, ahead, 2 * kHalf * 4, half_words);
}

void run_pairs(const uint16_t* x, int64_t M, int64_t Kp, const uint32_t* panel, int64_t cols, float* y,
               int64_t ldy, const uint32_t* next) {
  constexpr int PR = 6;
  const int64_t half_words = Kp / 2 * kHalf;
  for (int64_t m = 0; m < M; m += PR) {
    const uint16_t* xb = x + m * Kp;
    float* yb = y + m * ldy;
    // The first pass brings the thread's next panel (both halves, contiguous) into L2.
    const uint8_t* pf = m == 0 ? reinterpret_cast<const uint8_t*>(next) : nullptr;
    switch (M - m < PR ? M - m : PR) {
      case 6: pair_tile<6>(xb, Kp, panel, half_words, cols, yb, ldy, pf); break;
      case 5: pair_tile<5>(xb, Kp, panel, half_words, cols, yb, ldy, pf); break;
      case 4: pair_tile<4>(xb, Kp, panel, half_words, cols, yb, ldy, pf); break;
      case 3: pair_tile<3>(xb, Kp, panel, half_words, cols, yb, ldy, pf); break;
      case 2: pair_tile<2>(xb, Kp, panel, half_words, cols, yb, ldy, pf); break;
      default: pair_tile<1>(xb, Kp, panel, half_words, cols, yb, ldy, pf); break;
    }
  }
}

void run(const void* xp, int64_t M, int64_t K, const uint32_t* panel, int64_t cols, float* y, int64_t ldy,
         const uint32_t* next) {
  const uint16_t* x = static_cast<const uint16_t*>(xp);
  const int64_t Kp = round_up<32>(K), half_words = Kp / 2 * kHalf;
  if (M > MR) return run_pairs(x, M, Kp, panel, cols, y, ldy, next);
  // Up to MR tokens: one pass per half, the only read of it. From kAheadMinTokens the pass also
  // brings the next half (the thread's next task's first one after the second) into L2, a slice per
  // k pair; below it the hardware prefetchers alone follow the stream.
  for (int64_t h = 0; h < 2; ++h) {
    const int64_t c = clamp_rows(cols, h);
    if (c == 0) break;
    const uint32_t* half = panel + h * half_words;
    const uint32_t* after = h == 0 ? panel + half_words : next;
    const uint8_t* pf = M >= kAheadMinTokens ? reinterpret_cast<const uint8_t*>(after) : nullptr;
    float* yh = y + h * kHalf;
    switch (M) {
      case 12: half_tile<12>(x, Kp, half, c, yh, ldy, pf); break;
      case 11: half_tile<11>(x, Kp, half, c, yh, ldy, pf); break;
      case 10: half_tile<10>(x, Kp, half, c, yh, ldy, pf); break;
      case 9: half_tile<9>(x, Kp, half, c, yh, ldy, pf); break;
      case 8: half_tile<8>(x, Kp, half, c, yh, ldy, pf); break;
      case 7: half_tile<7>(x, Kp, half, c, yh, ldy, pf); break;
      case 6: half_tile<6>(x, Kp, half, c, yh, ldy, pf); break;
      case 5: half_tile<5>(x, Kp, half, c, yh, ldy, pf); break;
      case 4: half_tile<4>(x, Kp, half, c, yh, ldy, pf); break;
      case 3: half_tile<3>(x, Kp, half, c, yh, ldy, pf); break;
      case 2: half_tile<2>(x, Kp, half, c, yh, ldy, pf); break;
      default: half_tile<1>(x, Kp, half, c, yh, ldy, pf); break;
    }
  }
}

const PrepackedKernel kBf16Prepacked = {"avx512bf16-prepacked", pack_whole_panel, packed_x_bytes, pack, run};

}  // namespace

const PrepackedKernel* prepacked_avx512bf16(DType dtype) { return dtype == DType::BF16 ? &kBf16Prepacked : nullptr; }
