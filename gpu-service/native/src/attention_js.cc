#include "attention_js.h"

#include <cmath>
#include <string>

#include "attention_cpu.h"
#include "js_args.h"

namespace {

bool overlap(const Napi::Float32Array& a, const Napi::Float32Array& b) {
  const float *a0 = a.Data(), *b0 = b.Data();
  return a0 < b0 + b.ElementLength() && b0 < a0 + a.ElementLength();
}

}  // namespace

Napi::Value attention_js(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const Napi::Float32Array q = parse_float32(info[0], "q"), keys = parse_float32(info[1], "keys"),
                           values = parse_float32(info[2], "values");
  Napi::Float32Array out = parse_float32(info[4], "out");
  if (!info[3].IsObject()) throw Napi::TypeError::New(env, "shape must be an object");
  const Napi::Object o = info[3].As<Napi::Object>();
  AttentionShape s;
  s.rows = parse_count(o.Get("rows"), "shape.rows");
  s.start = parse_count(o.Get("start"), "shape.start");
  s.heads = parse_count(o.Get("heads"), "shape.heads");
  s.kv_heads = parse_count(o.Get("kvHeads"), "shape.kvHeads");
  s.head_dim = parse_count(o.Get("headDim"), "shape.headDim");
  const Napi::Value scale = o.Get("scale");
  if (!scale.IsNumber() || !std::isfinite(scale.As<Napi::Number>().DoubleValue()))
    throw Napi::TypeError::New(env, "shape.scale must be a finite number");
  s.scale = scale.As<Napi::Number>().DoubleValue();
  if (s.heads == 0 || s.kv_heads == 0 || s.head_dim == 0 || s.heads % s.kv_heads != 0)
    throw Napi::RangeError::New(env, "shape: heads (" + std::to_string(s.heads) + ") must be a positive multiple of kvHeads (" +
                                         std::to_string(s.kv_heads) + ") and headDim (" + std::to_string(s.head_dim) +
                                         ") positive");
  const int64_t q_len = checked_mul(env, checked_mul(env, s.rows, s.heads, "rows x heads"), s.head_dim, "rows x heads x headDim");
  const int64_t kv_len = checked_mul(env, checked_mul(env, s.start + s.rows, s.kv_heads, "(start + rows) x kvHeads"),
                                     s.head_dim, "(start + rows) x kvHeads x headDim");
  expect_length(q, "q", q_len);
  expect_length(out, "out", q_len);
  expect_length(keys, "keys", kv_len, true);
  expect_length(values, "values", kv_len, true);
  // Tasks write their slice of out while others still read q, keys and values.
  if (overlap(out, q) || overlap(out, keys) || overlap(out, values))
    throw Napi::RangeError::New(env, "out must not share memory with q, keys or values");
  if (q_len > 0) attention_cpu(s, q.Data(), keys.Data(), values.Data(), out.Data());
  return env.Undefined();
}
