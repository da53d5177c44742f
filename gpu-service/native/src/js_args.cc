#include "js_args.h"

#include <cmath>
#include <cstring>

namespace {

[[noreturn]] void type_error(const Napi::Env& env, const std::string& msg) {
  throw Napi::TypeError::New(env, msg);
}

[[noreturn]] void range_error(const Napi::Env& env, const std::string& msg) {
  throw Napi::RangeError::New(env, msg);
}

Napi::Object as_object(const Napi::Value& v, const std::string& name) {
  if (!v.IsObject()) type_error(v.Env(), name + " must be an object");
  return v.As<Napi::Object>();
}

DType parse_dtype(const Napi::Value& v, const std::string& name) {
  const std::string s = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (s == "bf16") return DType::BF16;
  if (s == "f16") return DType::F16;
  if (s == "f32") return DType::F32;
  type_error(v.Env(), name + ".dtype: unknown dtype '" + (v.IsString() ? s : "<not a string>") +
                          "' (expected bf16, f16 or f32)");
}

std::string shape_str(int64_t a, int64_t b) {
  return "[" + std::to_string(a) + "," + std::to_string(b) + "]";
}

void expect_shape(const Napi::Env& env, const MatrixView& m, int64_t rows, int64_t cols,
                  const std::string& name) {
  if (m.rows != rows || m.cols != cols)
    range_error(env, name + ": shape " + shape_str(m.rows, m.cols) + " does not match expected " +
                         shape_str(rows, cols));
}

// Packed expert tensors are 3-D; returns the [E, rows, cols] dims.
struct Packed {
  MatrixView flat;  // [E * rows, cols]
  int64_t experts, rows;
};

Packed parse_packed(const Napi::Value& v, const std::string& name, PinnedBuffers* pins) {
  const Napi::Object o = as_object(v, name);
  const Napi::Value shape = o.Get("shape");
  if (!shape.IsArray() || shape.As<Napi::Array>().Length() != 3)
    range_error(v.Env(), name + ".shape must have 3 dims [E, rows, cols]");
  const Napi::Array a = shape.As<Napi::Array>();
  const int64_t e = parse_count(a.Get(0u), name + ".shape[0]");
  const int64_t r = parse_count(a.Get(1u), name + ".shape[1]");
  const int64_t c = parse_count(a.Get(2u), name + ".shape[2]");
  Napi::Object flat = Napi::Object::New(v.Env());
  flat.Set("dtype", o.Get("dtype"));
  Napi::Array fs = Napi::Array::New(v.Env(), 2);
  const int64_t rows = checked_mul(v.Env(), e, r, name + ": rows");
  // Said here: the flattened view's check would name a shape[0] the caller never wrote.
  if (rows > kMaxDim)
    range_error(v.Env(), name + ": E x rows (" + std::to_string(e) + " x " + std::to_string(r) + ") exceeds 2^40");
  fs.Set(0u, Napi::Number::New(v.Env(), double(rows)));
  fs.Set(1u, Napi::Number::New(v.Env(), double(c)));
  flat.Set("shape", fs);
  flat.Set("data", o.Get("data"));
  return {parse_matrix(flat, name, pins), e, r};
}

ExpertMlp parse_mlp(const Napi::Object& o, const std::string& name, int64_t hidden, PinnedBuffers* pins) {
  ExpertMlp m{parse_matrix(o.Get("gate"), name + ".gate", pins), parse_matrix(o.Get("up"), name + ".up", pins),
              parse_matrix(o.Get("down"), name + ".down", pins)};
  const int64_t I = m.gate.rows;
  expect_shape(o.Env(), m.gate, I, hidden, name + ".gate");
  expect_shape(o.Env(), m.up, I, hidden, name + ".up");
  expect_shape(o.Env(), m.down, hidden, I, name + ".down");
  if (I == 0) range_error(o.Env(), name + ": intermediate size is 0");
  return m;
}

}  // namespace

int64_t checked_mul(const Napi::Env& env, int64_t a, int64_t b, const std::string& what) {
  int64_t out;
  if (__builtin_mul_overflow(a, b, &out))
    range_error(env, what + " overflows: " + std::to_string(a) + " x " + std::to_string(b));
  return out;
}

const char* dtype_name(DType t) { return t == DType::BF16 ? "bf16" : t == DType::F16 ? "f16" : "f32"; }

MatrixView parse_matrix(const Napi::Value& v, const std::string& name, PinnedBuffers* pins) {
  const Napi::Env env = v.Env();
  const Napi::Object o = as_object(v, name);
  MatrixView m;
  m.dtype = parse_dtype(o.Get("dtype"), name);
  const Napi::Value shape = o.Get("shape");
  if (!shape.IsArray()) type_error(env, name + ".shape must be an array");
  const Napi::Array dims = shape.As<Napi::Array>();
  // 1-D tensors (bias, a [H] shared-expert gate) are read as one row.
  if (dims.Length() == 1) {
    m.rows = 1;
    m.cols = parse_count(dims.Get(0u), name + ".shape[0]");
  } else if (dims.Length() == 2) {
    m.rows = parse_count(dims.Get(0u), name + ".shape[0]");
    m.cols = parse_count(dims.Get(1u), name + ".shape[1]");
  } else {
    range_error(env, name + ".shape must have 1 or 2 dims, got " + std::to_string(dims.Length()));
  }
  const Napi::Value data = o.Get("data");
  if (!data.IsTypedArray() || data.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    type_error(env, name + ".data must be a Uint8Array");
  const Napi::Uint8Array bytes = data.As<Napi::Uint8Array>();
  // Checked before MatrixView::bytes() may be used anywhere: [2^40, 2^24] bf16 would wrap to 0 bytes.
  const int64_t needed = checked_mul(env, checked_mul(env, m.rows, m.cols, name + ": element count"),
                                     int64_t(dtype_size(m.dtype)), name + ": byte size");
  if (int64_t(bytes.ByteLength()) != needed)
    range_error(env, name + ".data has " + std::to_string(bytes.ByteLength()) + " bytes, shape " +
                         shape_str(m.rows, m.cols) + " of " + dtype_name(m.dtype) + " needs " +
                         std::to_string(needed));
  m.data = bytes.Data();
  if (pins) pins->add(bytes);
  return m;
}

Routing parse_routing(const Napi::Value& v) {
  const Napi::Env env = v.Env();
  const Napi::Object o = as_object(v, "routing");
  Routing r;
  const std::string fam = o.Get("family").IsString() ? o.Get("family").As<Napi::String>().Utf8Value() : "";
  static const std::pair<const char*, Family> kFamilies[] = {
      {"mixtral", Family::Mixtral},       {"qwen2_moe", Family::Qwen2Moe},
      {"qwen3_moe", Family::Qwen3Moe},    {"olmoe", Family::Olmoe},
      {"deepseek_v2", Family::DeepseekV2}, {"deepseek_v3", Family::DeepseekV3}};
  bool known = false;
  for (const auto& f : kFamilies)
    if (fam == f.first) {
      r.family = f.second;
      known = true;
    }
  if (!known) type_error(env, "routing.family: unknown family '" + fam + "'");
  r.num_experts = int32_t(parse_count(o.Get("numExperts"), "routing.numExperts"));
  r.top_k = int32_t(parse_count(o.Get("topK"), "routing.topK"));
  if (r.num_experts < 1 || r.num_experts > 4096)
    range_error(env, "routing.numExperts must be in 1..4096, got " + std::to_string(r.num_experts));
  if (r.top_k < 1 || r.top_k > r.num_experts)
    range_error(env, "routing.topK (" + std::to_string(r.top_k) + ") must be in 1..numExperts (" +
                         std::to_string(r.num_experts) + ")");
  const std::string scoring =
      o.Get("scoring").IsString() ? o.Get("scoring").As<Napi::String>().Utf8Value() : "";
  if (scoring != "softmax" && scoring != "sigmoid")
    type_error(env, "routing.scoring must be 'softmax' or 'sigmoid', got '" + scoring + "'");
  r.sigmoid = scoring == "sigmoid";
  if (!o.Get("normTopkProb").IsBoolean()) type_error(env, "routing.normTopkProb must be a boolean");
  r.norm_topk = o.Get("normTopkProb").As<Napi::Boolean>().Value();
  if (!o.Get("routedScalingFactor").IsNumber())
    type_error(env, "routing.routedScalingFactor must be a number");
  const double scale = o.Get("routedScalingFactor").As<Napi::Number>().DoubleValue();
  if (!std::isfinite(scale)) range_error(env, "routing.routedScalingFactor must be finite");
  r.scaling = float(scale);
  r.n_group = int32_t(parse_count(o.Get("nGroup"), "routing.nGroup"));
  r.topk_group = int32_t(parse_count(o.Get("topkGroup"), "routing.topkGroup"));
  if (r.n_group < 1 || r.n_group > 64 || r.num_experts % r.n_group != 0)
    range_error(env, "routing.nGroup (" + std::to_string(r.n_group) +
                         ") must be in 1..64 and divide numExperts (" +
                         std::to_string(r.num_experts) + ")");
  if (r.topk_group < 1 || r.topk_group > r.n_group)
    range_error(env, "routing.topkGroup (" + std::to_string(r.topk_group) + ") must be in 1..nGroup (" +
                         std::to_string(r.n_group) + ")");
  const int32_t selectable = r.topk_group * (r.num_experts / r.n_group);
  if (r.top_k > selectable)
    range_error(env, "routing.topK (" + std::to_string(r.top_k) + ") exceeds the " +
                         std::to_string(selectable) + " experts in the topkGroup kept groups");
  return r;
}

MoeLayer parse_layer(const Napi::Value& routing, const Napi::Value& weights, PinnedBuffers* pins) {
  const Napi::Env env = weights.Env();
  MoeLayer L;
  L.routing = parse_routing(routing);
  const int64_t E = L.routing.num_experts;
  const Napi::Object w = as_object(weights, "weights");
  L.router = parse_matrix(w.Get("router"), "weights.router", pins);
  L.hidden = L.router.cols;
  if (L.hidden == 0) range_error(env, "weights.router: hidden size is 0");
  expect_shape(env, L.router, E, L.hidden, "weights.router");

  const Napi::Value bias = w.Get("scoreCorrectionBias");
  if (!bias.IsUndefined() && !bias.IsNull()) {
    const MatrixView b = parse_matrix(bias, "weights.scoreCorrectionBias");
    if (b.dtype != DType::F32) type_error(env, "weights.scoreCorrectionBias.dtype must be f32");
    expect_shape(env, b, 1, E, "weights.scoreCorrectionBias");
    L.score_bias.resize(size_t(E));
    memcpy(L.score_bias.data(), b.data, b.bytes());
  }

  const Napi::Object ex = as_object(w.Get("experts"), "weights.experts");
  const std::string layout =
      ex.Get("layout").IsString() ? ex.Get("layout").As<Napi::String>().Utf8Value() : "";
  if (layout == "per-expert") {
    const char* parts[] = {"gate", "up", "down"};
    for (const char* p : parts) {
      const Napi::Value arr = ex.Get(p);
      if (!arr.IsArray() || arr.As<Napi::Array>().Length() != uint32_t(E))
        range_error(env, std::string("weights.experts.") + p + " must be an array of numExperts (" +
                             std::to_string(E) + ") tensors");
    }
    for (int64_t e = 0; e < E; ++e) {
      const std::string idx = "[" + std::to_string(e) + "]";
      Napi::Object one = Napi::Object::New(env);
      for (const char* p : parts) one.Set(p, ex.Get(p).As<Napi::Array>().Get(uint32_t(e)));
      ExpertMlp m{parse_matrix(one.Get("gate"), "weights.experts.gate" + idx, pins),
                  parse_matrix(one.Get("up"), "weights.experts.up" + idx, pins),
                  parse_matrix(one.Get("down"), "weights.experts.down" + idx, pins)};
      const int64_t I = m.gate.rows;
      if (I == 0) range_error(env, "weights.experts.gate" + idx + ": intermediate size is 0");
      expect_shape(env, m.gate, I, L.hidden, "weights.experts.gate" + idx);
      expect_shape(env, m.up, I, L.hidden, "weights.experts.up" + idx);
      expect_shape(env, m.down, L.hidden, I, "weights.experts.down" + idx);
      L.experts.push_back(m);
    }
  } else if (layout == "packed") {
    const Packed gu = parse_packed(ex.Get("gateUp"), "weights.experts.gateUp", pins);
    const Packed dn = parse_packed(ex.Get("down"), "weights.experts.down", pins);
    if (gu.experts != E || dn.experts != E)
      range_error(env, "weights.experts: packed tensors must have numExperts (" + std::to_string(E) +
                           ") as their first dim");
    if (gu.rows % 2 != 0 || gu.rows == 0 || gu.flat.cols != L.hidden)
      range_error(env, "weights.experts.gateUp must be [E, 2I, H] with H = " + std::to_string(L.hidden));
    const int64_t I = gu.rows / 2;
    if (dn.rows != L.hidden || dn.flat.cols != I)
      range_error(env, "weights.experts.down must be [E, H, I] = [" + std::to_string(E) + "," +
                           std::to_string(L.hidden) + "," + std::to_string(I) + "]");
    for (int64_t e = 0; e < E; ++e)
      L.experts.push_back({gu.flat.slice_rows(e * 2 * I, I), gu.flat.slice_rows(e * 2 * I + I, I),
                           dn.flat.slice_rows(e * L.hidden, L.hidden)});
  } else {
    type_error(env, "weights.experts.layout must be 'per-expert' or 'packed', got '" + layout + "'");
  }
  // One dtype and one intermediate size for all routed experts: the grouped kernels (and the
  // CUDA path's pointer tables) rely on it.
  const ExpertMlp& e0 = L.experts.front();
  for (size_t e = 0; e < L.experts.size(); ++e) {
    const ExpertMlp& m = L.experts[e];
    if (m.inter() != e0.inter())
      range_error(env, "weights.experts: expert " + std::to_string(e) + " has intermediate size " +
                           std::to_string(m.inter()) + ", expert 0 has " + std::to_string(e0.inter()));
    if (m.gate.dtype != e0.gate.dtype || m.up.dtype != e0.gate.dtype || m.down.dtype != e0.gate.dtype)
      type_error(env, "weights.experts: all expert tensors must share one dtype (expert " +
                          std::to_string(e) + " differs)");
  }

  const Napi::Value shared = w.Get("shared");
  if (!shared.IsUndefined() && !shared.IsNull()) {
    const Napi::Object s = as_object(shared, "weights.shared");
    L.has_shared = true;
    L.shared = parse_mlp(s, "weights.shared", L.hidden, pins);
    const Napi::Value sg = s.Get("sharedGate");
    if (!sg.IsUndefined() && !sg.IsNull()) {
      L.has_shared_gate = true;
      L.shared_gate = parse_matrix(sg, "weights.shared.sharedGate", pins);
      expect_shape(env, L.shared_gate, 1, L.hidden, "weights.shared.sharedGate");
    }
  }
  return L;
}

int64_t parse_count(const Napi::Value& v, const std::string& name) {
  if (!v.IsNumber()) type_error(v.Env(), name + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d != std::floor(d) || d > double(kMaxDim))
    range_error(v.Env(), name + " must be a non-negative integer, got " + std::to_string(d));
  return int64_t(d);
}

Napi::Float32Array parse_float32(const Napi::Value& v, const std::string& name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    type_error(v.Env(), name + " must be a Float32Array");
  return v.As<Napi::Float32Array>();
}

void expect_length(const Napi::Float32Array& a, const std::string& name, int64_t n, bool at_least) {
  const int64_t len = int64_t(a.ElementLength());
  if (at_least ? len < n : len != n)
    range_error(a.Env(), name + " has " + std::to_string(len) + " values, expected " + (at_least ? "at least " : "") +
                             std::to_string(n));
}

const float* parse_activations(const Napi::Value& x, const Napi::Value& tokens, int64_t hidden,
                               int64_t* token_count) {
  const Napi::Env env = x.Env();
  const Napi::Float32Array xa = parse_float32(x, "x");
  const int64_t T = parse_count(tokens, "tokens");
  if (T > kMaxTokens) range_error(env, "tokens must be at most " + std::to_string(kMaxTokens) + ", got " + std::to_string(T));
  if (int64_t(xa.ElementLength()) != checked_mul(env, T, hidden, "tokens x hidden"))
    range_error(env, "x has " + std::to_string(xa.ElementLength()) + " values, expected tokens (" +
                         std::to_string(T) + ") x hidden (" + std::to_string(hidden) + ")");
  // NaN/Inf policy: reject, naming the first bad element. A NaN would otherwise pick arbitrary
  // experts and poison every expert it reaches; the check is one pass over T*H floats.
  const float* p = xa.Data();
  for (int64_t i = 0; i < T * hidden; ++i)
    if (!std::isfinite(p[i]))
      range_error(env, std::string("x[token ") + std::to_string(i / hidden) + ", dim " +
                           std::to_string(i % hidden) + "] is " + (std::isnan(p[i]) ? "NaN" : "infinite") +
                           ": inputs must be finite");
  *token_count = T;
  return p;
}

const int32_t* parse_output_tokens(const Napi::Value& v, int64_t tokens, int64_t* count) {
  const Napi::Env env = v.Env();
  if (v.IsUndefined() || v.IsNull()) return nullptr;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    type_error(env, "outputTokens must be an Int32Array");
  const Napi::Int32Array a = v.As<Napi::Int32Array>();
  const int32_t* p = a.Data();
  const int64_t n = int64_t(a.ElementLength());
  for (int64_t i = 0; i < n; ++i)
    if (p[i] < 0 || p[i] >= tokens || (i > 0 && p[i] <= p[i - 1]))
      range_error(env, "outputTokens[" + std::to_string(i) + "] is " + std::to_string(p[i]) +
                           ": expected ascending distinct tokens in [0, " + std::to_string(tokens) + ")");
  *count = n;
  return p;
}

Device parse_device(const Napi::Value& v, const std::string& cuda_refusal) {
  if (!v.IsUndefined() && !v.IsNull() && !v.IsString()) type_error(v.Env(), "device must be a string");
  const std::string requested = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (!cuda_refusal.empty() && requested_device(requested) == "cuda") range_error(v.Env(), cuda_refusal);
  Device device;
  try {
    device = resolve_device(requested);
  } catch (const std::invalid_argument& e) {
    type_error(v.Env(), e.what());
  }
  if (device == Device::Cuda && !cuda_refusal.empty()) range_error(v.Env(), cuda_refusal);
  return device;
}

Isa parse_cpu_isa(const Napi::Value& v) {
  if (v.IsUndefined() || v.IsNull()) return default_isa();
  if (!v.IsString()) type_error(v.Env(), "cpuIsa must be a string");
  const std::string s = v.As<Napi::String>().Utf8Value();
  Isa isa;
  if (!parse_isa(s, &isa))
    type_error(v.Env(), "cpuIsa: unknown ISA '" + s + "' (expected portable, avx2, avx512, avx512bf16 or amx)");
  if (isa > cpu_features().best)
    range_error(v.Env(), "cpuIsa '" + s + "' is not supported by this CPU (best: " +
                             std::string(isa_name(cpu_features().best)) + ")");
  return isa;
}
