#include "result_pool.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

namespace {

// Below this V8's own allocator reuses memory well (small chunks come from the malloc heap).
constexpr size_t kMinPooledBytes = 64 * 1024;
// Cached blocks waiting for reuse: enough for a step's outputs, bounded so the cache never grows
// without limit when shapes keep changing.
constexpr size_t kMaxCachedBytes = size_t(256) << 20;
constexpr size_t kMaxCachedBlocks = 64;

struct Block {
  void* data;
  size_t capacity;
};

class Pool {
 public:
  Block take(size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(m_);
      // Best fit among blocks at most 25% larger, so a small request does not pin a huge block.
      size_t best = free_.size();
      for (size_t i = 0; i < free_.size(); ++i)
        if (free_[i].capacity >= bytes && free_[i].capacity <= bytes + bytes / 4 &&
            (best == free_.size() || free_[i].capacity < free_[best].capacity))
          best = i;
      if (best != free_.size()) {
        const Block b = free_[best];
        free_.erase(free_.begin() + long(best));
        cached_ -= b.capacity;
        return b;
      }
    }
    void* data = std::aligned_alloc(64, (bytes + 63) & ~size_t(63));
    if (!data) throw std::bad_alloc();
    return {data, (bytes + 63) & ~size_t(63)};
  }

  void give_back(Block b) {
    std::lock_guard<std::mutex> lock(m_);
    free_.push_back(b);
    cached_ += b.capacity;
    // Oldest first: those are the shapes least likely to come back.
    while (cached_ > kMaxCachedBytes || free_.size() > kMaxCachedBlocks) {
      std::free(free_.front().data);
      cached_ -= free_.front().capacity;
      free_.erase(free_.begin());
    }
  }

 private:
  std::mutex m_;
  std::vector<Block> free_;
  size_t cached_ = 0;
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: finalizers may run during shutdown
  return *p;
}

Napi::ArrayBuffer pooled_buffer(Napi::Env env, size_t bytes) {
  if (bytes < kMinPooledBytes) return Napi::ArrayBuffer::New(env, bytes);
  Block* b = new Block(pool().take(bytes));
  return Napi::ArrayBuffer::New(
      env, b->data, bytes,
      [](Napi::Env, void*, Block* block) {
        pool().give_back(*block);
        delete block;
      },
      b);
}

}  // namespace

Napi::Float32Array pooled_float32(Napi::Env env, size_t count) {
  return Napi::Float32Array::New(env, count, pooled_buffer(env, count * sizeof(float)), 0);
}

Napi::Int32Array pooled_int32(Napi::Env env, size_t count) {
  return Napi::Int32Array::New(env, count, pooled_buffer(env, count * sizeof(int32_t)), 0);
}
