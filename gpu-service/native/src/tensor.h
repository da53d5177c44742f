// Raw weight views as they arrive from JavaScript: no copies, bytes may live in an mmap'd file.
#pragma once
#include <cstddef>
#include <cstdint>

#include "hd.h"

enum class DType : int32_t { BF16 = 0, F16 = 1, F32 = 2 };

MOE_HD constexpr size_t dtype_size(DType t) { return t == DType::F32 ? 4 : 2; }
const char* dtype_name(DType t);

// Row-major [rows, cols] matrix of weights in their stored dtype.
struct MatrixView {
  DType dtype = DType::F32;
  int64_t rows = 0;
  int64_t cols = 0;
  const uint8_t* data = nullptr;

  const uint8_t* row(int64_t r) const { return data + r * cols * dtype_size(dtype); }
  size_t bytes() const { return size_t(rows * cols) * dtype_size(dtype); }
  // Rows [r0, r0+n) as a matrix of their own (packed layouts are sliced this way).
  MatrixView slice_rows(int64_t r0, int64_t n) const { return {dtype, n, cols, row(r0)}; }
};
