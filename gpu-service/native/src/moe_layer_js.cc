#include "moe_layer_js.h"

#include <algorithm>

#include "bound_op_js.h"
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

class MoeLayerJs : public BoundOpJs<MoeLayerJs, CudaMoeLayerPtr> {
 public:
  explicit MoeLayerJs(const Napi::CallbackInfo& info) : BoundOpJs(info) {
    const Napi::Env env = info.Env();
    if (info.Length() < 2) throw Napi::TypeError::New(env, "new MoeLayer(routing, weights, device?) needs 2 arguments");
    layer_ = parse_layer(info[0], info[1], &pins_);
    const std::string why = cuda_unsupported(layer_);
    bind_device(info[2], why.empty() ? "" : "weights: " + why, [&] { return cuda_bind_moe(layer_); });
  }

  // forward(x, tokens, cpuIsa?, outputTokens?) -> { y, topkIds, topkWeights }
  Napi::Value forward(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    const Call c = begin_forward(info, "MoeLayer.forward", layer_.hidden, cuda_max_tokens(layer_));
    const int64_t T = c.tokens;
    int64_t n_outputs = 0;
    const int32_t* outputs = parse_output_tokens(info[3], T, &n_outputs);
    const size_t k = size_t(layer_.routing.top_k);
    Napi::Float32Array y = pooled_float32(env, size_t(T * layer_.hidden));
    Napi::Int32Array ids = pooled_int32(env, size_t(T) * k);
    Napi::Float32Array weights = pooled_float32(env, size_t(T) * k);
    if (T > 0) {
      const MoeOutput out{y.Data(), ids.Data(), weights.Data()};
      if (device_ == Device::Cpu) {
        moe_forward_cpu(layer_, c.x, T, c.isa, out, outputs, n_outputs);
      } else {
        // The CUDA path runs every token, then clears the rows left out, as the CPU one leaves them.
        moe_forward_cuda(*cuda_, c.x, T, out);
        if (outputs) zero_other_rows(out.y, T, layer_.hidden, outputs, n_outputs);
      }
    }
    Napi::Object result = Napi::Object::New(env);
    result.Set("y", y);
    result.Set("topkIds", ids);
    result.Set("topkWeights", weights);
    return result;
  }

 private:
  MoeLayer layer_;
};

}  // namespace

Napi::Function define_moe_layer(Napi::Env env) { return MoeLayerJs::define(env, "MoeLayer"); }
