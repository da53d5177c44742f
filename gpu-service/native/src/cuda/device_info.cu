// Probes the CUDA device once, and measures its memory bandwidth for the benchmark. With the static
// runtime this works (and reports why not) on machines without a driver or GPU.
#include <algorithm>

#include "cuda/check.cuh"
#include "cuda/cuda_api.h"
#include "cuda/device_buffer.cuh"

namespace {

CudaInfo probe() {
  CudaInfo info;
  info.compiled = true;
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    info.reason = std::string("no usable CUDA device: ") + cudaGetErrorString(err);
    cudaGetLastError();  // clear the sticky error so later probes start clean
    return info;
  }
  if (count == 0) {
    info.reason = "no CUDA device found";
    return info;
  }
  cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
    info.reason = "cudaGetDeviceProperties failed";
    return info;
  }
  info.name = prop.name;
  info.sm = prop.major * 10 + prop.minor;
  info.memory_bytes = prop.totalGlobalMem;
  if (prop.major < 8) {
    info.reason = std::string(prop.name) + " is sm_" + std::to_string(info.sm) +
                  "; the bf16 tensor-core kernels need sm_80 or newer";
    return info;
  }
  int clock_khz = 0;
  cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, 0);
  // Dense bf16 tensor-core FLOPs per SM per clock: 2048 on Ampere, 4096 on Hopper (datasheet).
  const double per_sm_clock = prop.major >= 9 ? 4096.0 : 2048.0;
  info.peak_bf16_gflops = double(prop.multiProcessorCount) * clock_khz * 1e3 * per_sm_clock / 1e9;
  info.available = true;
  return info;
}

// A CUDA event destroyed on every way out: a failing check throws between creation and use.
class Event {
 public:
  Event() { CUDA_CHECK(cudaEventCreate(&event_)); }
  ~Event() { cudaEventDestroy(event_); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  cudaEvent_t get() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
};

__global__ void triad_kernel(float* a, const float* b, const float* c, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    a[i] = b[i] + 3.0f * c[i];
}

}  // namespace

const CudaInfo& cuda_info() {
  static const CudaInfo info = probe();
  return info;
}

double cuda_stream_triad(size_t bytes) {
  if (!cuda_info().available) throw std::runtime_error("measureBandwidth: " + cuda_info().reason);
  const size_t n = bytes / 3 / sizeof(float);
  const DeviceBuffer a(n * sizeof(float)), b(n * sizeof(float)), c(n * sizeof(float));
  CUDA_CHECK(cudaMemset(b.get(), 0, n * sizeof(float)));
  CUDA_CHECK(cudaMemset(c.get(), 0, n * sizeof(float)));
  const Event start, stop;
  float best_ms = 1e30f;
  for (int rep = 0; rep < 10; ++rep) {
    CUDA_CHECK(cudaEventRecord(start.get()));
    triad_kernel<<<1024, 256>>>(a.as<float>(), b.as<float>(), c.as<float>(), n);
    CUDA_CHECK_LAUNCH("triad_kernel");
    CUDA_CHECK(cudaEventRecord(stop.get()));
    CUDA_CHECK(cudaEventSynchronize(stop.get()));
    float ms = 0;
    CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), stop.get()));
    best_ms = std::min(best_ms, ms);
  }
  return 3.0 * n * sizeof(float) / (best_ms * 1e-3) / 1e9;
}
