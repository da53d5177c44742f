// `new Linear(w, device?)`: a weight matrix W [N, K] validated and bound once; forward(x, tokens,
// cpuIsa?) returns y [tokens, N] = x . W^T. On CUDA the weights are uploaded when bound and freed
// with the handle.
#pragma once
#include <napi.h>

Napi::Function define_linear(Napi::Env env);
