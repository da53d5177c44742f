// `new MoeLayer(routing, weights, device?)`: one MoE layer's weights validated and bound once, at load
// (as vLLM's process_weights_after_loading and ktransformers' MOE object do); forward(x, tokens,
// cpuIsa?) then takes only the activations. On CUDA the weights are uploaded when bound and freed
// with the handle (dispose() or garbage collection).
#pragma once
#include <napi.h>

Napi::Function define_moe_layer(Napi::Env env);
