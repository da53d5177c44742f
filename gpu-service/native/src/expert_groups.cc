#include "expert_groups.h"

ExpertGroups group_by_expert(const int32_t* ids, int64_t tokens, int32_t k, int32_t experts) {
  ExpertGroups g;
  const int64_t n = tokens * k;
  g.offsets.assign(size_t(experts) + 1, 0);
  for (int64_t i = 0; i < n; ++i) ++g.offsets[size_t(ids[i]) + 1];
  for (int32_t e = 0; e < experts; ++e) g.offsets[size_t(e) + 1] += g.offsets[size_t(e)];
  std::vector<int64_t> next(g.offsets.begin(), g.offsets.end() - 1);
  g.tokens.resize(size_t(n));
  g.row_of.resize(size_t(n));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t row = next[size_t(ids[i])]++;
    g.tokens[size_t(row)] = int32_t(i / k);
    g.row_of[size_t(i)] = row;
  }
  return g;
}
