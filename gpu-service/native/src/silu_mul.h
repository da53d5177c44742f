// h[i] = silu(g[i]) * u[i] = g[i] / (1 + exp(-g[i])) * u[i]: the gated MLP's activation, between the
// gate/up and the down GEMMs. Vectorised where the ISA allows; the scalar loop is the reference.
#pragma once
#include <cstdint>

#include "cpu_features.h"

void silu_mul(const float* g, const float* u, float* h, int64_t n, Isa isa);

// The AVX-512 version (silu_mul_avx512.cc); exp within 2 ulp, the rest exact f32 arithmetic.
void silu_mul_avx512(const float* g, const float* u, float* h, int64_t n);
// The AVX2 + FMA version (silu_mul_avx2.cc), same exp.
void silu_mul_avx2(const float* g, const float* u, float* h, int64_t n);
