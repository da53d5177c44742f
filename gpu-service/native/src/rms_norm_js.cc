#include "rms_norm_js.h"

#include <cmath>
#include <string>

#include "js_args.h"
#include "rms_norm_cpu.h"

Napi::Value rms_norm_js(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const Napi::Float32Array x = parse_float32(info[0], "x"), weight = parse_float32(info[3], "weight");
  Napi::Float32Array out = parse_float32(info[5], "out");
  const int64_t rows = parse_count(info[1], "rows"), dim = parse_count(info[2], "dim");
  if (!info[4].IsNumber() || !(info[4].As<Napi::Number>().DoubleValue() >= 0) ||
      !std::isfinite(info[4].As<Napi::Number>().DoubleValue()))
    throw Napi::TypeError::New(env, "eps must be a finite number >= 0");
  const double eps = info[4].As<Napi::Number>().DoubleValue();
  const int64_t n = checked_mul(env, rows, dim, "rows x dim");
  expect_length(x, "x", n);
  expect_length(out, "out", n);
  expect_length(weight, "weight", dim);
  // out is x itself or apart from it: a row written before a later one is read would corrupt it.
  const float *xs = x.Data(), *os = out.Data();
  if (os != xs && os < xs + n && xs < os + n)
    throw Napi::RangeError::New(env, "out must be x itself or not overlap it");
  if (os < weight.Data() + dim && weight.Data() < os + n)
    throw Napi::RangeError::New(env, "out must not overlap weight");
  if (n > 0) rms_norm_cpu(xs, rows, dim, weight.Data(), eps, out.Data());
  return env.Undefined();
}
