// Node-API module: the bound operations (MoeLayer, Linear; their arguments are validated in
// js_args.cc), the attention core and RMSNorm, the file mapper, and what the addon found on this machine.
#include <napi.h>

#include "attention_js.h"
#include "cpu_features.h"
#include "cuda/cuda_api.h"
#include "js_args.h"
#include "linear_js.h"
#include "map_file.h"
#include "moe_layer_js.h"
#include "probe.h"
#include "rms_norm_js.h"
#include "thread_pool.h"

namespace {

Napi::Value resolve_device_js(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), device_name(parse_device(info[0])));
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
    cuda.Set("allocatedBytes", double(cuda_allocated_bytes()));
  } else {
    cuda.Set("reason", c.reason);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("cpu", cpu);
  out.Set("cuda", cuda);
  return out;
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  exports.Set("MoeLayer", define_moe_layer(env));
  exports.Set("Linear", define_linear(env));
  exports.Set("attention", Napi::Function::New(env, attention_js));
  exports.Set("rmsNorm", Napi::Function::New(env, rms_norm_js));
  exports.Set("mapFile", Napi::Function::New(env, map_file));
  exports.Set("resolveDevice", Napi::Function::New(env, resolve_device_js));
  exports.Set("deviceInfo", Napi::Function::New(env, device_info));
  exports.Set("measureBandwidth", Napi::Function::New(env, measure_bandwidth));
  exports.Set("measurePeak", Napi::Function::New(env, measure_peak));
  return exports;
}

}  // namespace

NODE_API_MODULE(conclave_moe, init)
