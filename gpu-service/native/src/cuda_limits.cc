#include "cuda_limits.h"

namespace {

constexpr int64_t kMaxGridY = 65535;

// The tensor-core tiles copy 16-byte chunks along K.
std::string needs_multiple_of_8(int64_t v, const std::string& what) {
  return v % 8 == 0 ? "" : what + " (" + std::to_string(v) + ") must be a multiple of 8 on CUDA";
}

}  // namespace

std::string cuda_unsupported(const MoeLayer& L) {
  std::string why = needs_multiple_of_8(L.hidden, "hidden size");
  if (why.empty()) why = needs_multiple_of_8(L.experts.front().inter(), "expert intermediate size");
  if (why.empty() && L.has_shared) why = needs_multiple_of_8(L.shared.inter(), "shared-expert intermediate size");
  if (why.empty() && L.routing.num_experts >= kMaxGridY) why = "numExperts must be below 65535 on CUDA";
  return why;
}

std::string cuda_unsupported(const MatrixView& w, const std::string& name) {
  return needs_multiple_of_8(w.cols, name + ": K (shape[1])");
}

int64_t cuda_max_tokens(const MoeLayer& L) {
  // Routed: ceil(T k / kTileM) + E tiles; the shared expert: ceil(T / kTileM) tiles of its own.
  const int64_t k = L.routing.top_k;
  return (kMaxGridY - L.routing.num_experts) * kTileM / k;
}

int64_t cuda_max_tokens(const MatrixView&) { return kMaxGridY * kTileM; }
