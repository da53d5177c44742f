#include "pinned_buffers.h"

void PinnedBuffers::add(const Napi::TypedArray& view) {
  Napi::ArrayBuffer buffer = view.ArrayBuffer();
  if (!seen_.insert(buffer.Data()).second) return;
  refs_.push_back(Napi::Persistent(buffer));
}

void PinnedBuffers::check_attached(const Napi::Env& env, const std::string& owner) const {
  for (const auto& ref : refs_)
    if (ref.Value().IsDetached())
      throw Napi::Error::New(env, owner + ": a weight buffer was detached (transferred) after binding; bind the layer again");
}
