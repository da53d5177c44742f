// CPU implementations of the addon's operations. Inputs are already validated (js_args.cc).
#pragma once
#include "cpu_features.h"
#include "gemm/prepacked.h"
#include "moe_layer.h"

// Router logits x . W_gate^T and per-token expert selection (routing.h).
void route_tokens_cpu(const MoeLayer& layer, const float* x, int64_t tokens, Isa isa,
                      int32_t* ids, float* weights);

// Every token is routed (out.topk_ids / topk_weights for all); with `outputs` (ascending token
// indices, `output_count` of them) only those tokens go through the experts and get y rows, the
// others' y rows are zero (llama.cpp's out_ids: the last layer of a prefill needs one row per sequence).
void moe_forward_cpu(const MoeLayer& layer, const float* x, int64_t tokens, Isa isa,
                     const MoeOutput& out, const int32_t* outputs = nullptr, int64_t output_count = 0);

// y[T, N] = x[T, K] . W^T: on `packed` (W repacked when bound; may be null) where it serves the
// call's ISA and token count, else on W's rows.
void linear_cpu(const float* x, int64_t tokens, const MatrixView& w, const PrepackedWeights* packed, Isa isa,
                float* y);
