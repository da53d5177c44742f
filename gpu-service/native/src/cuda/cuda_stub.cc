// Linked instead of the .cu files when no CUDA toolkit was found at build time.
#include <stdexcept>

#include "cuda/cuda_api.h"

const CudaInfo& cuda_info() {
  static const CudaInfo info = [] {
    CudaInfo i;
    i.reason = "addon built without CUDA (no nvcc at build time)";
    return i;
  }();
  return info;
}

void moe_forward_cuda(const MoeLayer&, const float*, int64_t, const MoeOutput&) {
  throw std::runtime_error("moeForward: " + cuda_info().reason);
}

double cuda_stream_triad(size_t) { throw std::runtime_error("measureBandwidth: " + cuda_info().reason); }

void linear_cuda(const float*, int64_t, const MatrixView&, float*) {
  throw std::runtime_error("linear: " + cuda_info().reason);
}
