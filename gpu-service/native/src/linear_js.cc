#include "linear_js.h"

#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#include "bound_op_js.h"
#include "cpu_ops.h"
#include "cuda/cuda_api.h"
#include "cuda_limits.h"
#include "js_args.h"
#include "map_file.h"
#include "result_pool.h"

namespace {

class LinearJs : public BoundOpJs<LinearJs, CudaMatrixPtr> {
 public:
  explicit LinearJs(const Napi::CallbackInfo& info) : BoundOpJs(info) {
    const Napi::Env env = info.Env();
    if (info.Length() < 1) throw Napi::TypeError::New(env, "new Linear(w, device?, repack?) needs the weights");
    w_ = parse_matrix(info[0], "w", &pins_);
    if (w_.cols == 0) throw Napi::RangeError::New(env, "w: K (shape[1]) is 0");
    if (info.Length() > 2 && !info[2].IsUndefined() && !info[2].IsBoolean())
      throw Napi::TypeError::New(env, "repack must be a boolean");
    const bool repack = info.Length() < 3 || info[2].IsUndefined() || info[2].As<Napi::Boolean>().Value();
    bind_device(info[1], cuda_unsupported(w_, "w"), [&] { return cuda_bind_matrix(w_); });
    if (device_ == Device::Cpu && repack) {
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
    const Call c = begin_forward(info, "Linear.forward", w_.cols, cuda_max_tokens(w_));
    Napi::Float32Array y = pooled_float32(env, size_t(checked_mul(env, c.tokens, w_.rows, "tokens x N")));
    if (c.tokens > 0 && w_.rows > 0) {
      if (device_ == Device::Cuda) linear_cuda(*cuda_, c.x, c.tokens, y.Data());
      else linear_cpu(c.x, c.tokens, w_, packed_.get(), c.isa, y.Data());
    }
    return y;
  }

  void on_dispose() { packed_.reset(); }

 private:
  MatrixView w_;
  std::unique_ptr<PrepackedWeights> packed_;  // CPU, bf16 on AVX512-BF16: the rows repacked into panels
};

}  // namespace

Napi::Function define_linear(Napi::Env env) { return LinearJs::define(env, "Linear"); }
