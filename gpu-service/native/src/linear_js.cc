#include "linear_js.h"

#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#include "cpu_ops.h"
#include "cuda/cuda_api.h"
#include "cuda_limits.h"
#include "js_args.h"
#include "map_file.h"
#include "result_pool.h"

namespace {

class LinearJs : public Napi::ObjectWrap<LinearJs> {
 public:
  explicit LinearJs(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LinearJs>(info) {
    const Napi::Env env = info.Env();
    if (info.Length() < 1) throw Napi::TypeError::New(env, "new Linear(w, device?, repack?) needs the weights");
    w_ = parse_matrix(info[0], "w", &pins_);
    if (w_.cols == 0) throw Napi::RangeError::New(env, "w: K (shape[1]) is 0");
    device_ = parse_device(info[1], cuda_unsupported(w_, "w"));
    if (info.Length() > 2 && !info[2].IsUndefined() && !info[2].IsBoolean())
      throw Napi::TypeError::New(env, "repack must be a boolean");
    const bool repack = info.Length() < 3 || info[2].IsUndefined() || info[2].As<Napi::Boolean>().Value();
    if (device_ == Device::Cuda) {
      cuda_ = cuda_bind_matrix(w_);
      pins_.clear();
    } else if (repack) {
      const Isa isa = default_isa();
      try {
        packed_ = PrepackedWeights::pack(w_, isa);
      } catch (const std::length_error& e) {
        throw Napi::RangeError::New(env, std::string("w: ") + e.what());
      } catch (const std::bad_alloc&) {
        throw Napi::Error::New(env, "w: no memory for the packed copy of " + std::to_string(w_.bytes()) + " bytes");
      }
      // The calls read the copy (at most a call capped below its ISA reads the rows, which fault back
      // in): the mapped rows' pages go back, so the weights count once in memory.
      if (packed_ && packed_->serves_all(isa)) release_file_pages(w_.data, w_.bytes());
    }
  }

  // forward(x, tokens, cpuIsa?) -> y [tokens, N]
  Napi::Value forward(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    if (disposed_) throw Napi::Error::New(env, "Linear.forward: the weights were disposed");
    int64_t T = 0;
    const float* x = parse_activations(info[0], info[1], w_.cols, &T);
    const Isa isa = parse_cpu_isa(info[2]);
    if (device_ == Device::Cuda && T > cuda_max_tokens(w_))
      throw Napi::RangeError::New(env, "tokens (" + std::to_string(T) + ") exceeds the " +
                                           std::to_string(cuda_max_tokens(w_)) + " one CUDA call can take");
    pins_.check_attached(env, "Linear.forward");
    Napi::Float32Array y = pooled_float32(env, size_t(checked_mul(env, T, w_.rows, "tokens x N")));
    if (T > 0 && w_.rows > 0) {
      if (device_ == Device::Cuda) linear_cuda(*cuda_, x, T, y.Data());
      else linear_cpu(x, T, w_, packed_.get(), isa, y.Data());
    }
    return y;
  }

  Napi::Value dispose(const Napi::CallbackInfo& info) {
    disposed_ = true;
    cuda_.reset();
    packed_.reset();
    pins_.clear();
    return info.Env().Undefined();
  }

  Napi::Value device(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), device_name(device_)); }

 private:
  MatrixView w_;
  PinnedBuffers pins_;
  Device device_ = Device::Cpu;
  CudaMatrixPtr cuda_;
  std::unique_ptr<PrepackedWeights> packed_;  // CPU, bf16 on AVX512-BF16: the rows repacked into panels
  bool disposed_ = false;
};

}  // namespace

Napi::Function define_linear(Napi::Env env) {
  return LinearJs::DefineClass(env, "Linear",
                               {LinearJs::InstanceMethod<&LinearJs::forward>("forward"),
                                LinearJs::InstanceMethod<&LinearJs::dispose>("dispose"),
                                LinearJs::InstanceAccessor<&LinearJs::device>("device")});
}
