// Host-callable face of the CUDA path. Implemented by the .cu files when the addon is built with
// nvcc, and by cuda_stub.cc otherwise, so the rest of the addon never needs #ifdefs. Shapes and
// token counts are checked before these are called (cuda_limits.h).
#pragma once
#include <memory>
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

// Device copies of a bound layer's / matrix's weights, uploaded once when bound and freed with
// the handle that owns them.
struct CudaMoeLayer;
struct CudaMatrix;
void destroy(CudaMoeLayer* layer);
void destroy(CudaMatrix* matrix);
struct CudaDeleter {
  void operator()(CudaMoeLayer* p) const { destroy(p); }
  void operator()(CudaMatrix* p) const { destroy(p); }
};
using CudaMoeLayerPtr = std::unique_ptr<CudaMoeLayer, CudaDeleter>;
using CudaMatrixPtr = std::unique_ptr<CudaMatrix, CudaDeleter>;

// Throw std::runtime_error on CUDA failures (nothing stays allocated).
CudaMoeLayerPtr cuda_bind_moe(const MoeLayer& layer);
CudaMatrixPtr cuda_bind_matrix(const MatrixView& w);

// Same contracts as the CPU functions in cpu_ops.h.
void moe_forward_cuda(const CudaMoeLayer& layer, const float* x, int64_t tokens, const MoeOutput& out);
void linear_cuda(const CudaMatrix& w, const float* x, int64_t tokens, float* y);

// STREAM-style triad on the device, GB/s.
double cuda_stream_triad(size_t bytes);
// Device memory the addon holds right now (bound weights and scratch), bytes.
size_t cuda_allocated_bytes();
