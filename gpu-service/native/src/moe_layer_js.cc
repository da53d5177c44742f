#include "moe_layer_js.h"

#include <algorithm>

#include "cpu_ops.h"
#include "cuda/cuda_api.h"
#include "cuda_limits.h"
#include "js_args.h"
#include "result_pool.h"

namespace {

void zero_other_rows(float* y, int64_t T, int64_t H, const int32_t* keep, int64_t n) {
  for (int64_t t = 0, i = 0; t < T; ++t) {
    if (i < n && keep[i] == t) {
      ++i;
      continue;
    }
    std::fill(y + t * H, y + (t + 1) * H, 0.0f);
  }
}

class MoeLayerJs : public Napi::ObjectWrap<MoeLayerJs> {
 public:
  explicit MoeLayerJs(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MoeLayerJs>(info) {
    const Napi::Env env = info.Env();
    if (info.Length() < 2) throw Napi::TypeError::New(env, "new MoeLayer(routing, weights, device?) needs 2 arguments");
    layer_ = parse_layer(info[0], info[1], &pins_);
    const std::string why = cuda_unsupported(layer_);
    device_ = parse_device(info[2], why.empty() ? "" : "weights: " + why);
    if (device_ == Device::Cuda) {
      cuda_ = cuda_bind_moe(layer_);
      pins_.clear();  // the device copies are all a CUDA layer reads
    }
  }

  // forward(x, tokens, cpuIsa?, outputTokens?) -> { y, topkIds, topkWeights }
  Napi::Value forward(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    if (disposed_) throw Napi::Error::New(env, "MoeLayer.forward: the layer was disposed");
    int64_t T = 0;
    const float* x = parse_activations(info[0], info[1], layer_.hidden, &T);
    const Isa isa = parse_cpu_isa(info[2]);
    int64_t n_outputs = 0;
    const int32_t* outputs = parse_output_tokens(info[3], T, &n_outputs);
    if (device_ == Device::Cuda && T > cuda_max_tokens(layer_))
      throw Napi::RangeError::New(env, "tokens (" + std::to_string(T) + ") exceeds the " +
                                           std::to_string(cuda_max_tokens(layer_)) + " one CUDA call of this layer can take");
    pins_.check_attached(env, "MoeLayer.forward");
    const size_t k = size_t(layer_.routing.top_k);
    Napi::Float32Array y = pooled_float32(env, size_t(T * layer_.hidden));
    Napi::Int32Array ids = pooled_int32(env, size_t(T) * k);
    Napi::Float32Array weights = pooled_float32(env, size_t(T) * k);
    if (T > 0) {
      const MoeOutput out{y.Data(), ids.Data(), weights.Data()};
      if (device_ == Device::Cpu) {
        moe_forward_cpu(layer_, x, T, isa, out, outputs, n_outputs);
      } else {
        // The CUDA path runs every token, then clears the rows left out, as the CPU one leaves them.
        moe_forward_cuda(*cuda_, x, T, out);
        if (outputs) zero_other_rows(out.y, T, layer_.hidden, outputs, n_outputs);
      }
    }
    Napi::Object result = Napi::Object::New(env);
    result.Set("y", y);
    result.Set("topkIds", ids);
    result.Set("topkWeights", weights);
    return result;
  }

  // Frees the device copies and lets go of the host buffers now rather than at garbage collection.
  Napi::Value dispose(const Napi::CallbackInfo& info) {
    disposed_ = true;
    cuda_.reset();
    pins_.clear();
    return info.Env().Undefined();
  }

  Napi::Value device(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), device_name(device_)); }

 private:
  MoeLayer layer_;
  PinnedBuffers pins_;
  Device device_ = Device::Cpu;
  CudaMoeLayerPtr cuda_;
  bool disposed_ = false;
};

}  // namespace

Napi::Function define_moe_layer(Napi::Env env) {
  return MoeLayerJs::DefineClass(env, "MoeLayer",
                                 {MoeLayerJs::InstanceMethod<&MoeLayerJs::forward>("forward"),
                                  MoeLayerJs::InstanceMethod<&MoeLayerJs::dispose>("dispose"),
                                  MoeLayerJs::InstanceAccessor<&MoeLayerJs::device>("device")});
}
