// Linked instead of the .cu files when no CUDA toolkit was found at build time.
#include <stdexcept>

#include "cuda/cuda_api.h"

struct CudaMoeLayer {};
struct CudaMatrix {};

const CudaInfo& cuda_info() {
  static const CudaInfo info = [] {
    CudaInfo i;
    i.reason = "addon built without CUDA (no nvcc at build time)";
    return i;
  }();
  return info;
}

void destroy(CudaMoeLayer* layer) { delete layer; }
void destroy(CudaMatrix* matrix) { delete matrix; }

CudaMoeLayerPtr cuda_bind_moe(const MoeLayer&) { throw std::runtime_error("MoeLayer: " + cuda_info().reason); }
CudaMatrixPtr cuda_bind_matrix(const MatrixView&) { throw std::runtime_error("Linear: " + cuda_info().reason); }

void moe_forward_cuda(const CudaMoeLayer&, const float*, int64_t, const MoeOutput&) {
  throw std::runtime_error("moeForward: " + cuda_info().reason);
}

void linear_cuda(const CudaMatrix&, const float*, int64_t, float*) {
  throw std::runtime_error("linear: " + cuda_info().reason);
}

double cuda_stream_triad(size_t) { throw std::runtime_error("measureBandwidth: " + cuda_info().reason); }

size_t cuda_allocated_bytes() { return 0; }
