// CPU implementations of the addon's operations. Inputs are already validated (js_args.cc).
#pragma once
#include "cpu_features.h"
#include "moe_layer.h"

// Router logits x . W_gate^T and per-token expert selection (routing.h).
void route_tokens_cpu(const MoeLayer& layer, const float* x, int64_t tokens, Isa isa,
                      int32_t* ids, float* weights);

void moe_forward_cpu(const MoeLayer& layer, const float* x, int64_t tokens, Isa isa,
                     const MoeOutput& out);

// y[T, N] = x[T, K] . W^T
void linear_cpu(const float* x, int64_t tokens, const MatrixView& w, Isa isa, float* y);
