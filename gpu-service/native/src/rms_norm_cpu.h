// RMSNorm of `rows` rows of width `dim`: out = x / sqrt(mean(x^2) + eps) * weight, row by row.
#pragma once
#include <cstdint>

// out may be x itself (each row is read whole before it is written), not a partial overlap.
void rms_norm_cpu(const float* x, int64_t rows, int64_t dim, const float* weight, double eps, float* out);
