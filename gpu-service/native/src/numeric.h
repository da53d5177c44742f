// Scalar bf16 / f16 <-> f32 conversions. Exact decoding (bf16 and f16 are subsets of f32), so the
// portable kernels and the TypeScript reference see bit-identical weight values.
#pragma once
#include <cstdint>
#include <cstring>

#include "hd.h"
#include "tensor.h"

MOE_HD float bits_to_f32(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}

MOE_HD uint32_t f32_to_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

MOE_HD float bf16_to_f32(uint16_t h) { return bits_to_f32(uint32_t(h) << 16); }

// Round-to-nearest-even, NaN kept quiet: matches torch / __float2bfloat16_rn.
MOE_HD uint16_t f32_to_bf16(float f) {
  uint32_t u = f32_to_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u);
  return uint16_t(u >> 16);
}

MOE_HD float f16_to_f32(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t man = h & 0x3ffu;
  if (exp == 0x1f) return bits_to_f32(sign | 0x7f800000u | (man << 13));  // inf / nan
  if (exp != 0) return bits_to_f32(sign | ((exp + 112) << 23) | (man << 13));
  if (man == 0) return bits_to_f32(sign);
  // Subnormal: value = man * 2^-24, exact in f32.
  const float v = float(man) * (1.0f / 16777216.0f);
  return sign ? -v : v;
}

// Element i of a weight row stored as `t`; `p` may be unaligned (mmap'd safetensors).
MOE_HD float load_elem(const uint8_t* p, DType t, int64_t i) {
  if (t == DType::F32) {
    float f;
    memcpy(&f, p + i * 4, 4);
    return f;
  }
  uint16_t h;
  memcpy(&h, p + i * 2, 2);
  return t == DType::BF16 ? bf16_to_f32(h) : f16_to_f32(h);
}
