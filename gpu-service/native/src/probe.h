// Machine probes for the benchmark: STREAM-style triad bandwidth and arithmetic peak, so its
// table can report the kernels' fraction of what this machine can do.
#pragma once
#include <napi.h>

// measureBandwidth(bytes?: number, device?: "cpu" | "cuda") -> GB/s of a[i] = b[i] + s*c[i] over 3
// arrays of `bytes`/3, on the CPU threads or in GPU memory.
Napi::Value measure_bandwidth(const Napi::CallbackInfo& info);
// measurePeak() -> { f32: GFLOP/s with FMA, bf16?: GFLOP/s with vdpbf16ps } on all threads.
Napi::Value measure_peak(const Napi::CallbackInfo& info);
