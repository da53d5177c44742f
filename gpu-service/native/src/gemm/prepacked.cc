#include "gemm/prepacked.h"

#include <sys/mman.h>

#include <new>
#include <stdexcept>
#include <vector>

#include "gemm/kernel.h"
#include "thread_pool.h"

namespace {

const PrepackedKernel* kernel_for(Isa isa, DType dtype) {
  return isa >= Isa::Avx512Bf16 ? prepacked_avx512bf16(dtype) : nullptr;
}

}  // namespace

std::unique_ptr<PrepackedWeights> PrepackedWeights::pack(const MatrixView& w, Isa isa) {
  const PrepackedKernel* kern = kernel_for(isa, w.dtype);
  if (!kern || w.rows <= 0 || w.cols <= 0) return nullptr;
  const int64_t panels = (w.rows + kPrepackedPanelRows - 1) / kPrepackedPanelRows;
  int64_t words = 0;
  size_t bytes = 0;
  if (__builtin_mul_overflow(panels, prepacked_panel_words(w.cols), &words) ||
      __builtin_mul_overflow(size_t(words), sizeof(uint32_t), &bytes))
    throw std::length_error("packed weights: " + std::to_string(w.rows) + " x " + std::to_string(w.cols) +
                            " overflow the address range");
  // Anonymous pages of their own, in 2 MiB pages where the kernel allows it (streamed whole, every step).
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  madvise(p, bytes, MADV_HUGEPAGE);
  auto* data = static_cast<uint32_t*>(p);
  std::unique_ptr<PrepackedWeights> packed(new PrepackedWeights(*kern, isa, w, data, bytes));
  const int64_t panel_words = prepacked_panel_words(w.cols);
  parallel_for(panels, [&](int64_t t) { kern->pack_panel(w, t, data + t * panel_words); });
  return packed;
}

PrepackedWeights::~PrepackedWeights() { munmap(data_, bytes_); }

bool PrepackedWeights::serves(Isa isa, int64_t M) const {
  if (isa < isa_) return false;
  const GemmKernel* amx = gemm_amx(w_.dtype);
  return !(amx && &select_gemm(isa, w_.dtype, M, w_.rows, w_.cols, kLinearPanelMinTokens) == amx);
}

bool PrepackedWeights::serves_all(Isa isa) const {
  // AMX takes whole tiles of 16 tokens and more; past any token count that does, so does a larger one.
  return serves(isa, int64_t(1) << 30);
}

void PrepackedWeights::gemm(const float* x, int64_t M, float* y) const {
  const int64_t N = w_.rows, K = w_.cols, panel_words = prepacked_panel_words(K);
  // Reused across calls on the calling thread; only the pointer enters the tasks.
  thread_local std::vector<uint8_t> xp;
  xp.resize(kern_.packed_x_bytes(M, K));
  kern_.pack_x(x, M, K, xp.data());
  const uint8_t* xb = xp.data();
  const int64_t panels = (N + kPrepackedPanelRows - 1) / kPrepackedPanelRows;
  // A thread's next panel is pool_threads() tasks on: the pool's threads claim tasks in order.
  const int64_t next_step = pool_threads();
  parallel_for(panels, [&](int64_t t) {
    const int64_t n0 = t * kPrepackedPanelRows, cols = N - n0 < kPrepackedPanelRows ? N - n0 : kPrepackedPanelRows;
    const uint32_t* next = t + next_step < panels ? data_ + (t + next_step) * panel_words : nullptr;
    kern_.run(xb, M, K, data_ + t * panel_words, cols, y + n0, N, next);
  });
}
