// The one blocking loop of the SIMD GEMM kernels (AVX2, AVX-512, AVX512-BF16), as llamafile's tinyBLAS
// does it: each ISA file supplies a micro-kernel and instantiates run<Micro> once per weight dtype.
// A micro-kernel is a struct deriving from Operands (below: XT, the element of the packed activations;
// kWeightBytes; padded_k(K), the packed activations' row length) with
//   static constexpr int MR, NR;              // register tile: MR tokens x NR weight rows
//   template <int mr, int nr> static void tile(const XT* x, int64_t Kp, int64_t K, const uint8_t* w,
//                                              int64_t wstride, float* y, int64_t ldy, const uint8_t* next);
// tile<mr, nr> computes y[i][j] = x row i . w row j over the whole of K for i < mr, j < nr, and when
// `next` is set prefetches the NR weight rows from there, at the k it has reached (prefetch_rows). Each
// output's accumulation order depends on K alone, never on the tile shape or blocking, so every
// row of a batch gets the same bits as when computed on its own.
//
// Included only by the ISA files and kept in an anonymous namespace: each one gets its own copy,
// compiled with its own flags, that the linker can never hand to code running on another ISA.
#pragma once
#include <immintrin.h>

#include <array>
#include <cstdint>
#include <utility>

#include "gemm/kernel.h"

namespace {

template <int64_t N>
constexpr int64_t round_up(int64_t k) {
  static_assert((N & (N - 1)) == 0, "a power of two");
  return (k + N - 1) & ~(N - 1);
}

// What a micro-kernel reads: activations packed as XT rows of K rounded up to kPad (zeros past K),
// weight elements of kBytes bytes.
template <class X, int64_t kPad, int64_t kBytes>
struct Operands {
  using XT = X;
  static constexpr int64_t kWeightBytes = kBytes;
  static int64_t padded_k(int64_t K) { return round_up<kPad>(K); }
};

// Tokens swept per pass over a weight row block: 64 keep the packed activations being swept (64 x Kp)
// in L2 while the block's weight rows stream past them.
constexpr int64_t kTokenBlock = 64;

template <class Micro>
using TileFn = void (*)(const typename Micro::XT*, int64_t, int64_t, const uint8_t*, int64_t, float*, int64_t,
                        const uint8_t*);

template <class Micro, int mr, int nr>
void tile_entry(const typename Micro::XT* x, int64_t Kp, int64_t K, const uint8_t* w, int64_t ws, float* y,
                int64_t ldy, const uint8_t* next) {
  Micro::template tile<mr, nr>(x, Kp, K, w, ws, y, ldy, next);
}

// Weight rows are read once from memory, by the first tile of a row block, in NR interleaved streams
// that each end at a page (a 4 KiB row): too short for the hardware prefetchers. That tile therefore
// fetches the next block's rows at the same k, one block ahead, past the call's last row too (the next
// call's rows of the same matrix, usually; a prefetch never faults). Always inlined: GCC outlines the
// body after the null test as a separate function, finds it free of side effects (a prefetch does not
// count) and deletes its calls, so the tiles prefetched nothing.
template <int NR, auto kHint = _MM_HINT_T0>
__attribute__((always_inline)) inline void prefetch_rows(const uint8_t* next, int64_t wstride, int64_t byte_offset) {
  if (!next) return;
  #pragma GCC unroll 8
  for (int j = 0; j < NR; ++j) _mm_prefetch(reinterpret_cast<const char*>(next + j * wstride + byte_offset), kHint);
}

// tiles[(mr - 1) * NR + nr - 1] = tile<mr, nr>: every edge tile is a full instantiation.
template <class Micro, size_t... I>
constexpr std::array<TileFn<Micro>, sizeof...(I)> tile_table(std::index_sequence<I...>) {
  return {&tile_entry<Micro, int(I / Micro::NR) + 1, int(I % Micro::NR) + 1>...};
}

// The GemmKernel::run contract (kernel.h): rows [n0, n1) of W for every token.
template <class Micro>
void run(const void* xp, int64_t M, int64_t K, const uint8_t* w, int64_t n0, int64_t n1, float* y, int64_t ldy) {
  static constexpr auto tiles = tile_table<Micro>(std::make_index_sequence<Micro::MR * Micro::NR>());
  const auto* x = static_cast<const typename Micro::XT*>(xp);
  const int64_t Kp = Micro::padded_k(K), ws = K * Micro::kWeightBytes;
  for (int64_t mb = 0; mb < M; mb += kTokenBlock) {
    const int64_t me = M - mb > kTokenBlock ? mb + kTokenBlock : M;
    for (int64_t n = n0; n < n1; n += Micro::NR) {
      const int nr = int(n1 - n < Micro::NR ? n1 - n : Micro::NR);
      // Only the first pass over this row block reads it from memory; later ones find it in cache.
      const uint8_t* next = mb == 0 ? w + (n + Micro::NR) * ws : nullptr;
      for (int64_t m = mb; m < me; m += Micro::MR) {
        const int mr = int(me - m < Micro::MR ? me - m : Micro::MR);
        tiles[size_t((mr - 1) * Micro::NR + nr - 1)](x + m * Kp, Kp, K, w + n * ws, ws, y + m * ldy + (n - n0), ldy,
                                                     m == mb ? next : nullptr);
      }
    }
  }
}

template <class Micro>
size_t packed_bytes(int64_t M, int64_t K) {
  return size_t(M * Micro::padded_k(K)) * sizeof(typename Micro::XT);
}

// The GemmKernel of a micro-kernel; `pack` lays x out as Micro::tile reads it.
template <class Micro>
constexpr GemmKernel driver_kernel(const char* name, void (*pack)(const float*, int64_t, int64_t, void*)) {
  return {name, packed_bytes<Micro>, pack, run<Micro>};
}

}  // namespace
