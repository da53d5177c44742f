// AMX-BF16 kernel for prefill-sized bf16 GEMMs. It computes the transposed product
// C^T[n, m] = W[n, :] . x[m, :], so the weight tile is loaded straight from the checkpoint rows
// (16 rows x 32 k, stride K) and only the activations need the VNNI pair layout. Needs N % 16 == 0
// and K % 32 == 0 (select.cc checks); tokens are padded to 16 with zeros when packed.
#include <immintrin.h>

#include "gemm/kernel.h"
#include "numeric.h"

namespace {

struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

// tmm0-3: C accumulators (2 weight blocks x 2 token blocks), tmm4-5: weights, tmm6-7: tokens.
// Every tile is 16 rows of 64 bytes.
TileConfig make_config() {
  TileConfig c;
  for (int t = 0; t < 8; ++t) {
    c.rows[t] = 16;
    c.colsb[t] = 64;
  }
  return c;
}

int64_t round16(int64_t m) { return (m + 15) & ~int64_t(15); }

size_t packed_bytes(int64_t M, int64_t K) { return size_t(round16(M) * K) * sizeof(uint16_t); }

// Token block mb, k block kb is one 1 KiB B tile: row kp holds, for each of the 16 tokens, the
// bf16 pair (x[2kp], x[2kp+1]) of that k block.
void pack(const float* x, int64_t M, int64_t K, void* dst) {
  uint16_t* out = static_cast<uint16_t*>(dst);
  const int64_t KB = K / 32, Mp = round16(M);
  for (int64_t m = 0; m < Mp; ++m) {
    const int64_t mb = m / 16, j = m % 16;
    for (int64_t k = 0; k < K; ++k) {
      const int64_t kb = k / 32, kp = (k % 32) / 2, p = k % 2;
      const float v = m < M ? x[m * K + k] : 0.0f;
      out[(mb * KB + kb) * 512 + kp * 32 + j * 2 + p] = f32_to_bf16(v);
    }
  }
}

// A C tile holds y^T for output columns [col, col+16) and tokens [m, m+16): transpose on store.
void scatter_c(const float (*c)[16], float* y, int64_t ldy, int64_t col, int64_t m, int64_t M) {
  const int64_t valid = M - m < 16 ? M - m : 16;
  for (int64_t j = 0; j < valid; ++j)
    for (int i = 0; i < 16; ++i) y[(m + j) * ldy + col + i] = c[i][j];
}

void run(const void* xp, int64_t M, int64_t K, const uint8_t* w, int64_t n0, int64_t n1, float* y,
         int64_t ldy) {
  static const TileConfig config = make_config();
  _tile_loadconfig(&config);
  const uint16_t* x = static_cast<const uint16_t*>(xp);
  const int64_t KB = K / 32, MBlocks = round16(M) / 16, wstride = K * 2;
  for (int64_t n = n0; n < n1; n += 32) {
    const bool two_n = n + 32 <= n1;
    const uint8_t* w0 = w + n * wstride;
    const uint8_t* w1 = w0 + 16 * wstride;
    for (int64_t mb = 0; mb < MBlocks; mb += 2) {
      const bool two_m = mb + 1 < MBlocks;
      _tile_zero(0);
      _tile_zero(1);
      _tile_zero(2);
      _tile_zero(3);
      for (int64_t kb = 0; kb < KB; ++kb) {
        _tile_loadd(4, w0 + kb * 64, wstride);
        _tile_loadd(6, x + (mb * KB + kb) * 512, 64);
        _tile_dpbf16ps(0, 4, 6);
        if (two_m) {
          _tile_loadd(7, x + ((mb + 1) * KB + kb) * 512, 64);
          _tile_dpbf16ps(1, 4, 7);
        }
        if (two_n) {
          _tile_loadd(5, w1 + kb * 64, wstride);
          _tile_dpbf16ps(2, 5, 6);
          if (two_m) _tile_dpbf16ps(3, 5, 7);
        }
      }
      // Tile numbers must be literals (the intrinsics paste them into the instruction).
      const int64_t col = n - n0;
      alignas(64) float c[16][16];
      _tile_stored(0, c, 64);
      scatter_c(c, y, ldy, col, mb * 16, M);
      if (two_m) {
        _tile_stored(1, c, 64);
        scatter_c(c, y, ldy, col, (mb + 1) * 16, M);
      }
      if (two_n) {
        _tile_stored(2, c, 64);
        scatter_c(c, y, ldy, col + 16, mb * 16, M);
      }
      if (two_n && two_m) {
        _tile_stored(3, c, 64);
        scatter_c(c, y, ldy, col + 16, (mb + 1) * 16, M);
      }
    }
  }
  _tile_release();
}

const GemmKernel kBf16 = {"amx-bf16", packed_bytes, pack, run};

}  // namespace

const GemmKernel* gemm_amx(DType dtype) { return dtype == DType::BF16 ? &kBf16 : nullptr; }
