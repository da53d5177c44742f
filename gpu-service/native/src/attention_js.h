// `attention(q, keys, values, shape, out)`: causal attention of one sequence's new query rows over
// its key/value cache (attention_cpu.h), written into `out`. Every argument is checked first.
#pragma once
#include <napi.h>

Napi::Value attention_js(const Napi::CallbackInfo& info);
