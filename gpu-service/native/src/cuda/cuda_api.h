// Host-callable face of the CUDA path. Implemented by the .cu files when the addon is built with
// nvcc, and by cuda_stub.cc otherwise, so the rest of the addon never needs #ifdefs.
#pragma once
#include <string>

#include "moe_layer.h"

struct CudaInfo {
  bool compiled = false;   // addon built with the CUDA path
  bool available = false;  // a usable device was found at run time
  std::string name;        // device name when available
  std::string reason;      // why not available
  int sm = 0;              // compute capability, e.g. 90
  size_t memory_bytes = 0;
  double peak_bf16_gflops = 0;  // dense tensor-core rate: SMs x clock x flops/clock/SM
};

// Probed once (the CUDA runtime is only touched on first use).
const CudaInfo& cuda_info();

// Same contracts as the CPU functions in cpu_ops.h. Throw std::runtime_error on CUDA failures.
void moe_forward_cuda(const MoeLayer& layer, const float* x, int64_t tokens, const MoeOutput& out);
// STREAM-style triad on the device, GB/s.
double cuda_stream_triad(size_t bytes);
void linear_cuda(const float* x, int64_t tokens, const MatrixView& w, float* y);
