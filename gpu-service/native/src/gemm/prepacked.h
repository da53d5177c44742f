// Dense weights repacked once, when bound (bindLinear: attention projections, LM head), into the
// AVX512-BF16 panel kernel's layout: 64-row panels of bf16 k pairs (k-pair-major; two halves of
// [Kp / 2][32], prepacked_avx512bf16.cc), one after another in anonymous memory. Every call, at any
// token count, then reads one sequential stream per task (the row-major 4 x 6 tiles read six 4 KiB
// rows at a time) and never the original rows, whose pages the binding hands back (map_file.h): the
// copy replaces them in memory.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "cpu_features.h"
#include "tensor.h"

// One ISA's kernels over the packed layout.
struct PrepackedKernel {
  const char* name;
  // Panel p of W (rows [64p, 64p + 64), zero past N and past K) into dst, panel_words(K) words.
  void (*pack_panel)(const MatrixView& w, int64_t p, uint32_t* dst);
  // The activations' packed form, as the per-call kernels pack them.
  size_t (*packed_x_bytes)(int64_t M, int64_t K);
  void (*pack_x)(const float* x, int64_t M, int64_t K, void* dst);
  // Every token of xp against one panel: y[m * ldy + c] for m < M, c < cols. With `next` set, the
  // first pass over the panel also brings that panel (the thread's next) into L2.
  void (*run)(const void* xp, int64_t M, int64_t K, const uint32_t* panel, int64_t cols, float* y, int64_t ldy,
              const uint32_t* next);
};

constexpr int64_t kPrepackedPanelRows = 64;
// 32-bit words (bf16 k pairs) in one panel: K rounded up to 32, halved, times 64 rows.
constexpr int64_t prepacked_panel_words(int64_t K) { return (K + 31) / 32 * 16 * kPrepackedPanelRows; }

// Null where the ISA has no kernel for that dtype (bf16 on AVX512-BF16 only).
const PrepackedKernel* prepacked_avx512bf16(DType dtype);

class PrepackedWeights {
 public:
  // The packed copy of w for the kernels of `isa` (the most any call may ask for), packed on the
  // thread pool; null when `isa` has no packed kernel for w's dtype. Throws std::length_error when
  // the packed size does not fit in memory's address range, std::bad_alloc when mmap refuses it.
  static std::unique_ptr<PrepackedWeights> pack(const MatrixView& w, Isa isa);
  ~PrepackedWeights();
  PrepackedWeights(const PrepackedWeights&) = delete;
  PrepackedWeights& operator=(const PrepackedWeights&) = delete;

  // Whether a call capped at `isa` with M tokens runs on the panels; else on the original rows
  // (a lower ISA, or AMX, whose tiles read the rows as stored, at 16 tokens and more).
  bool serves(Isa isa, int64_t M) const;
  // Whether every call at `isa` and below down to the panels' ISA does (no AMX kernel would take any).
  bool serves_all(Isa isa) const;
  // y[M, N] = x[M, K] . W^T on the thread pool.
  void gemm(const float* x, int64_t M, float* y) const;
  size_t bytes() const { return bytes_; }

 private:
  PrepackedWeights(const PrepackedKernel& kern, Isa isa, const MatrixView& w, uint32_t* data, size_t bytes)
      : kern_(kern), isa_(isa), w_(w), data_(data), bytes_(bytes) {}
  const PrepackedKernel& kern_;
  Isa isa_;
  MatrixView w_;  // shape and dtype (and the rows, for the AMX test); the kernels read data_
  uint32_t* data_;
  size_t bytes_;
};
