#include <atomic>
#include <utility>
#include <vector>

#include "cuda/check.cuh"
#include "cuda/cuda_api.h"
#include "cuda/device_buffer.cuh"

namespace {

std::atomic<size_t> g_allocated{0};

}  // namespace

DeviceBuffer::DeviceBuffer(size_t bytes) {
  if (bytes == 0) return;
  CUDA_CHECK(cudaMalloc(&ptr_, bytes));
  bytes_ = bytes;
  g_allocated += bytes;
}

DeviceBuffer::~DeviceBuffer() { release(); }

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : ptr_(std::exchange(other.ptr_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    release();
    ptr_ = std::exchange(other.ptr_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

void DeviceBuffer::release() noexcept {
  if (!ptr_) return;
  cudaFree(ptr_);  // a destructor must not throw; a failing free leaves nothing to recover
  g_allocated -= bytes_;
  ptr_ = nullptr;
  bytes_ = 0;
}

size_t cuda_allocated_bytes() { return g_allocated.load(); }

std::mutex& cuda_mutex() {
  static std::mutex m;
  return m;
}

void* scratch(Slot slot, size_t bytes) {
  static std::vector<DeviceBuffer> buffers(size_t(Slot::kCount));
  DeviceBuffer& b = buffers[size_t(slot)];
  if (b.size() < bytes) {
    b = DeviceBuffer();  // free first: the old and the grown buffer need not coexist
    b = DeviceBuffer(bytes + bytes / 4);  // headroom so growing T does not realloc every call
  }
  return b.get();
}
