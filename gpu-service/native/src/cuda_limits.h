// What the CUDA kernels accept, as plain C++: checked at the addon's entry, when a layer is bound to
// CUDA and when a call's token count is known, so a refusal never leaves work queued on the stream.
#pragma once
#include <cstdint>
#include <string>

#include "moe_layer.h"

// Token rows per GEMM tile. Each expert's rows are padded to a multiple of it (the "alignment"
// step of vLLM's moe_align_block_size), so every tile belongs to exactly one expert.
constexpr int kTileM = 64;

// Upper bound on tiles for `rows` routed rows over `groups` experts (each adds at most one
// partial tile); lets the host launch without reading the routing back.
inline int64_t max_tiles(int64_t rows, int64_t groups) { return (rows + kTileM - 1) / kTileM + groups; }

// Empty when the CUDA kernels can run this layer / matrix, else what stands in the way.
std::string cuda_unsupported(const MoeLayer& layer);
std::string cuda_unsupported(const MatrixView& w, const std::string& name);

// The most tokens one CUDA call can carry (tiles are one grid dimension, at most 65535).
int64_t cuda_max_tokens(const MoeLayer& layer);
int64_t cuda_max_tokens(const MatrixView& w);
