// The one owner of device memory: every cudaMalloc of the addon lives in a DeviceBuffer, freed by
// its destructor, so an exception half-way through binding or a call can never leak device memory.
#pragma once
#include <cstddef>
#include <mutex>

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes);  // throws std::runtime_error when cudaMalloc fails
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* get() const { return ptr_; }
  size_t size() const { return bytes_; }
  template <typename T>
  T* as(size_t byte_offset = 0) const {
    return reinterpret_cast<T*>(static_cast<unsigned char*>(ptr_) + byte_offset);
  }

 private:
  void release() noexcept;
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

// Guards the stream and the scratch buffers: one CUDA call at a time.
std::mutex& cuda_mutex();

// Scratch buffer `slot`, at least `bytes` long; contents are undefined between calls. Growing a
// slot frees its old memory, so size every slot before queueing work that uses it. Caller holds
// cuda_mutex().
enum class Slot { X, Y, Logits, Select, Ids, Weights, Counts, Tiles, RowToken, RowOf, Act, Inter, Out, SharedGate, kCount };
void* scratch(Slot slot, size_t bytes);
