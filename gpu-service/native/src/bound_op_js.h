// What the JavaScript classes of the bound operations (Linear, MoeLayer) share: the weights' host
// buffers (held while the CPU reads them), the device chosen when bound and the CUDA copy made then,
// dispose(), the `device` accessor, and the checks every forward() makes before any kernel runs.
#pragma once
#include <napi.h>

#include <string>

#include "cpu_features.h"
#include "device.h"
#include "js_args.h"
#include "pinned_buffers.h"

// Derived: the class (ObjectWrap<Derived>) with forward(info) and, when it holds more than the base
// does, on_dispose(); CudaPtr: its CUDA copy's owner.
template <class Derived, class CudaPtr>
class BoundOpJs : public Napi::ObjectWrap<Derived> {
 public:
  explicit BoundOpJs(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Derived>(info) {}

  // The class `name`: forward, dispose() and the device accessor. (A template argument must name a
  // member of Derived itself, so the base's two are passed as values.)
  static Napi::Function define(Napi::Env env, const char* name) {
    using Method = Napi::Value (Derived::*)(const Napi::CallbackInfo&);
    return Derived::DefineClass(env, name,
                                {Derived::template InstanceMethod<&Derived::forward>("forward"),
                                 Derived::InstanceMethod("dispose", static_cast<Method>(&BoundOpJs::dispose)),
                                 Derived::InstanceAccessor("device", static_cast<Method>(&BoundOpJs::device), nullptr)});
  }

  // Frees the device copy and lets go of the host buffers now rather than at garbage collection.
  Napi::Value dispose(const Napi::CallbackInfo& info) {
    disposed_ = true;
    cuda_.reset();
    static_cast<Derived*>(this)->on_dispose();
    pins_.clear();
    return info.Env().Undefined();
  }

  Napi::Value device(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), device_name(device_)); }

 protected:
  void on_dispose() {}

  // The device argument `arg` (cuda_refusal: parse_device's); on CUDA, upload() makes the copy that
  // is all the calls read, and the host buffers go.
  template <class Upload>
  void bind_device(const Napi::Value& arg, const std::string& cuda_refusal, Upload upload) {
    device_ = parse_device(arg, cuda_refusal);
    if (device_ == Device::Cuda) {
      cuda_ = upload();
      pins_.clear();
    }
  }

  struct Call {
    const float* x;
    int64_t tokens;
    Isa isa;
  };
  // forward(x, tokens, cpuIsa?, ...): x of `hidden` values a token, at most cuda_max_tokens on CUDA.
  // `op` ("Linear.forward") names the call in errors.
  Call begin_forward(const Napi::CallbackInfo& info, const std::string& op, int64_t hidden,
                     int64_t cuda_max_tokens) const {
    const Napi::Env env = info.Env();
    if (disposed_) throw Napi::Error::New(env, op + ": the weights were disposed");
    Call c{};
    c.x = parse_activations(info[0], info[1], hidden, &c.tokens);
    c.isa = parse_cpu_isa(info[2]);
    if (device_ == Device::Cuda && c.tokens > cuda_max_tokens)
      throw Napi::RangeError::New(env, "tokens (" + std::to_string(c.tokens) + ") exceeds the " +
                                           std::to_string(cuda_max_tokens) + " one CUDA call can take");
    pins_.check_attached(env, op);
    return c;
  }

  PinnedBuffers pins_;
  Device device_ = Device::Cpu;
  CudaPtr cuda_;
  bool disposed_ = false;
};
