// The JavaScript memory behind a bound layer's weights. Bound views are raw pointers into
// ArrayBuffers (often a memory-mapped checkpoint), so the handle holds a reference to each buffer:
// the mapping cannot be unmapped by the garbage collector while the layer exists. A buffer detached
// after binding (transferred to a worker) is caught before any kernel reads it.
#pragma once
#include <napi.h>

#include <string>
#include <unordered_set>
#include <vector>

class PinnedBuffers {
 public:
  // Holds the ArrayBuffer behind `view` (once per buffer, however many views share it).
  void add(const Napi::TypedArray& view);
  // Throws an Error naming `owner` when a held buffer was detached since binding.
  void check_attached(const Napi::Env& env, const std::string& owner) const;
  void clear() { refs_.clear(); seen_.clear(); }

 private:
  std::vector<Napi::Reference<Napi::ArrayBuffer>> refs_;
  std::unordered_set<const void*> seen_;
};
