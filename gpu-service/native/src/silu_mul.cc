#include "silu_mul.h"

#include <cmath>

void silu_mul(const float* g, const float* u, float* h, int64_t n, Isa isa) {
  if (isa >= Isa::Avx512) return silu_mul_avx512(g, u, h, n);
  if (isa >= Isa::Avx2) return silu_mul_avx2(g, u, h, n);
  for (int64_t i = 0; i < n; ++i) h[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}
