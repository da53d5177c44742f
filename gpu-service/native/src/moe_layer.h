// One MoE layer after validation at the JS boundary: every view has checked shapes and byte sizes,
// so the CPU and CUDA paths can index without further checks.
#pragma once
#include <vector>

#include "routing.h"
#include "tensor.h"

// gate/up [I,H], down [H,I]. Packed checkpoints are sliced into these views without copying.
struct ExpertMlp {
  MatrixView gate, up, down;
  int64_t inter() const { return gate.rows; }
};

struct MoeLayer {
  Routing routing;
  int64_t hidden = 0;
  MatrixView router;                  // [E,H]
  std::vector<float> score_bias;      // [E] or empty (copied: E floats, alignment-free)
  const float* bias() const { return score_bias.empty() ? nullptr : score_bias.data(); }
  std::vector<ExpertMlp> experts;     // E entries, all of the same dtype and intermediate size
  bool has_shared = false;
  ExpertMlp shared;
  bool has_shared_gate = false;
  MatrixView shared_gate;  // [1,H], Qwen2-MoE
};

// Output buffers, allocated by the caller (JS typed arrays).
struct MoeOutput {
  float* y;          // [T,H]
  int32_t* topk_ids;  // [T,k]
  float* topk_weights;  // [T,k]
};
