// `new Linear(w, device?, repack?)`: a weight matrix W [N, K] validated and bound once; forward(x,
// tokens, cpuIsa?) returns y [tokens, N] = x . W^T. On CUDA the weights are uploaded when bound and
// freed with the handle; on the CPU, unless repack is false, bf16 weights are repacked into the
// AVX512-BF16 panel layout where the CPU has it (gemm/prepacked.h), freed with the handle too.
#pragma once
#include <napi.h>

Napi::Function define_linear(Napi::Env env);
