// `rmsNorm(x, rows, dim, weight, eps, out)`: rms_norm_cpu.h, every argument checked first.
#pragma once
#include <napi.h>

Napi::Value rms_norm_js(const Napi::CallbackInfo& info);
