// A whole GEMM y[M, N] = x[M, K] . W^T on the thread pool (router logits, linear()).
#pragma once
#include <vector>

#include "gemm/kernel.h"

// Packs x once for the kernel chosen by isa/shape, then splits W's rows across threads.
void parallel_gemm(Isa isa, const float* x, int64_t M, const MatrixView& w, float* y);

// Rows of W handed to one task: a multiple of 32 so AMX's 16-row tiles never straddle tasks, and
// large enough to stream whole pages of weights per task.
constexpr int64_t kRowsPerTask = 64;
