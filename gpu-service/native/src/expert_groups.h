// Tokens grouped by expert once per call (counts, offsets, permutation) so each expert's weights
// are streamed once for all of its tokens, never once per token.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

struct ExpertGroups {
  std::vector<int64_t> offsets;  // [E+1]: expert e owns permuted rows [offsets[e], offsets[e+1])
  std::vector<int32_t> tokens;   // [T*k]: token of each permuted row, ascending within an expert
  std::vector<int64_t> row_of;   // [T*k]: permuted row of token t's j-th choice (t*k + j)
};

// Counting sort of the routing choices ids[T, k] by expert (stable, deterministic).
ExpertGroups group_by_expert(const int32_t* ids, int64_t tokens, int32_t k, int32_t experts);
