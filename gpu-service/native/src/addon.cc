// Node-API entry points. Arguments are validated in js_args.cc; this file only routes each call
// to the CPU or CUDA implementation and allocates the JS-owned result arrays (no extra copies).
#include <napi.h>

#include "cpu_features.h"
#include "cpu_ops.h"
#include "cuda/cuda_api.h"
#include "device.h"
#include "js_args.h"
#include "map_file.h"
#include "probe.h"
#include "thread_pool.h"

namespace {

std::string optional_string(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || info[i].IsUndefined() || info[i].IsNull()) return "";
  if (!info[i].IsString()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

Device device_arg(const Napi::CallbackInfo& info, size_t i) {
  try {
    return resolve_device(optional_string(info, i, "device"));
  } catch (const std::invalid_argument& e) {
    throw Napi::TypeError::New(info.Env(), e.what());
  }
}

// Per-call CPU ISA cap (tests use it to exercise every kernel the CPU supports).
Isa isa_arg(const Napi::CallbackInfo& info, size_t i) {
  const std::string s = optional_string(info, i, "cpuIsa");
  if (s.empty()) return default_isa();
  Isa isa;
  if (!parse_isa(s, &isa))
    throw Napi::TypeError::New(info.Env(), "cpuIsa: unknown ISA '" + s + "' (expected portable, avx2, avx512, avx512bf16 or amx)");
  if (isa > cpu_features().best)
    throw Napi::RangeError::New(info.Env(), "cpuIsa '" + s + "' is not supported by this CPU (best: " +
                                                std::string(isa_name(cpu_features().best)) + ")");
  return isa;
}

// moeForward(x, tokens, routing, weights, device?, cpuIsa?) -> { y, topkIds, topkWeights }
Napi::Value moe_forward(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (info.Length() < 4) throw Napi::TypeError::New(env, "moeForward(x, tokens, routing, weights) needs 4 arguments");
  const MoeLayer layer = parse_layer(info[2], info[3]);
  int64_t T = 0;
  const float* x = parse_activations(info[0], info[1], layer.hidden, &T);
  const Device device = device_arg(info, 4);
  const Isa isa = isa_arg(info, 5);

  const size_t k = size_t(layer.routing.top_k);
  Napi::Float32Array y = Napi::Float32Array::New(env, size_t(T * layer.hidden));
  Napi::Int32Array ids = Napi::Int32Array::New(env, size_t(T) * k);
  Napi::Float32Array weights = Napi::Float32Array::New(env, size_t(T) * k);
  if (T > 0) {
    const MoeOutput out{y.Data(), ids.Data(), weights.Data()};
    if (device == Device::Cuda) moe_forward_cuda(layer, x, T, out);
    else moe_forward_cpu(layer, x, T, isa, out);
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("y", y);
  result.Set("topkIds", ids);
  result.Set("topkWeights", weights);
  return result;
}

// linear(x, tokens, w, device?, cpuIsa?) -> y [tokens, N]
Napi::Value linear(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (info.Length() < 3) throw Napi::TypeError::New(env, "linear(x, tokens, w) needs 3 arguments");
  const MatrixView w = parse_matrix(info[2], "w");
  if (w.cols == 0) throw Napi::RangeError::New(env, "w: K (shape[1]) is 0");
  int64_t T = 0;
  const float* x = parse_activations(info[0], info[1], w.cols, &T);
  const Device device = device_arg(info, 3);
  const Isa isa = isa_arg(info, 4);
  Napi::Float32Array y = Napi::Float32Array::New(env, size_t(T * w.rows));
  if (T > 0 && w.rows > 0) {
    if (device == Device::Cuda) linear_cuda(x, T, w, y.Data());
    else linear_cpu(x, T, w, isa, y.Data());
  }
  return y;
}

Napi::Value resolve_device_js(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), device_name(device_arg(info, 0)));
}

Napi::Value device_info(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const CpuFeatures& f = cpu_features();
  Napi::Object cpu = Napi::Object::New(env);
  cpu.Set("bestIsa", isa_name(f.best));
  cpu.Set("defaultIsa", isa_name(default_isa()));
  Napi::Array isas = Napi::Array::New(env);
  for (int i = 0; i <= int(f.best); ++i) isas.Set(uint32_t(i), isa_name(Isa(i)));
  cpu.Set("isas", isas);
  Napi::Array flags = Napi::Array::New(env);
  for (size_t i = 0; i < f.flags.size(); ++i) flags.Set(uint32_t(i), f.flags[i]);
  cpu.Set("features", flags);
  if (!f.amx_note.empty()) cpu.Set("amxNote", f.amx_note);
  cpu.Set("threads", Napi::Number::New(env, pool_threads()));

  const CudaInfo& c = cuda_info();
  Napi::Object cuda = Napi::Object::New(env);
  cuda.Set("compiled", c.compiled);
  cuda.Set("available", c.available);
  if (c.available) {
    cuda.Set("name", c.name);
    cuda.Set("sm", c.sm);
    cuda.Set("memoryBytes", double(c.memory_bytes));
    cuda.Set("peakBf16Gflops", c.peak_bf16_gflops);
  } else {
    cuda.Set("reason", c.reason);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("cpu", cpu);
  out.Set("cuda", cuda);
  return out;
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  exports.Set("moeForward", Napi::Function::New(env, moe_forward));
  exports.Set("linear", Napi::Function::New(env, linear));
  exports.Set("mapFile", Napi::Function::New(env, map_file));
  exports.Set("resolveDevice", Napi::Function::New(env, resolve_device_js));
  exports.Set("deviceInfo", Napi::Function::New(env, device_info));
  exports.Set("measureBandwidth", Napi::Function::New(env, measure_bandwidth));
  exports.Set("measurePeak", Napi::Function::New(env, measure_peak));
  return exports;
}

}  // namespace

NODE_API_MODULE(conclave_moe, init)
