#include "probe.h"

#include <immintrin.h>
#include <omp.h>

#include <chrono>
#include <vector>

#include "cpu_features.h"
#include "cuda/cuda_api.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Best of several triads; first-touch initialisation happens in parallel so pages spread across
// the threads that later stream them.
double triad_gbps(size_t bytes) {
  const int64_t n = int64_t(bytes / 3 / sizeof(double));
  const size_t len = static_cast<size_t>(n);
  std::vector<double> a(len), b(len), c(len);
  double* pa = a.data();
  double* pb = b.data();
  double* pc = c.data();
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    pa[i] = 0;
    pb[i] = 1;
    pc[i] = 2;
  }
  double best = 0;
  for (int rep = 0; rep < 8; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) pa[i] = pb[i] + 3.0 * pc[i];
    const double s = seconds_since(t0);
    // STREAM counts 3 arrays moved (2 read, 1 written).
    const double gbps = 3.0 * double(n) * sizeof(double) / s / 1e9;
    best = gbps > best ? gbps : best;
  }
  return best;
}

// Independent chains, enough to cover latency x ports, so the loop runs at the instruction's rate.
constexpr int kChains = 12;
constexpr int64_t kIters = 20'000'000;

// kChains chains of step(acc) (one instruction), `iters` times; returns a lane so the work counts as
// used. step is built for its ISA (a target attribute), and the callers flatten both into themselves.
template <class V, class Step>
float chains(int64_t iters, const Step& step) {
  V acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = V{} + float(j);
  for (int64_t i = 0; i < iters; ++i)
    for (int j = 0; j < kChains; ++j) step(acc[j]);
  float s = 0;
  for (int j = 0; j < kChains; ++j) s += acc[j][0];
  return s;
}

__attribute__((target("avx2,fma"), flatten)) double fma_avx2(int64_t iters) {
  const __m256 b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  return chains<__m256>(iters, [&](__m256& a) __attribute__((target("avx2,fma"))) { a = _mm256_fmadd_ps(a, b, c); });
}

__attribute__((target("avx512f"), flatten)) double fma_avx512(int64_t iters) {
  const __m512 b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  return chains<__m512>(iters, [&](__m512& a) __attribute__((target("avx512f"))) { a = _mm512_fmadd_ps(a, b, c); });
}

__attribute__((target("avx512f,avx512bf16"), flatten)) double dp_bf16(int64_t iters) {
  const __m512bh a = (__m512bh)_mm512_set1_epi16(0x3f80), b = (__m512bh)_mm512_set1_epi16(0x3380);
  return chains<__m512>(iters, [&](__m512& acc) __attribute__((target("avx512f,avx512bf16"))) {
    acc = _mm512_dpbf16_ps(acc, a, b);
  });
}

// GFLOP/s of `fn` on every thread; flops_per_iter counts one thread's inner iteration.
double peak(double (*fn)(int64_t), double flops_per_iter) {
  double sink = 0;
  const auto t0 = std::chrono::steady_clock::now();
  int threads = 1;
#pragma omp parallel reduction(+ : sink)
  {
#pragma omp single
    threads = omp_get_num_threads();
    sink += fn(kIters);
  }
  const double s = seconds_since(t0);
  volatile double keep = sink;  // the result must look used
  (void)keep;
  return flops_per_iter * double(kIters) * threads / s / 1e9;
}

}  // namespace

Napi::Value measure_bandwidth(const Napi::CallbackInfo& info) {
  double bytes = 768.0 * 1024 * 1024;
  if (info.Length() > 0 && info[0].IsNumber()) bytes = info[0].As<Napi::Number>().DoubleValue();
  if (!(bytes >= 3 * 1024 * 1024) || bytes > 64.0 * 1024 * 1024 * 1024)
    throw Napi::RangeError::New(info.Env(), "measureBandwidth: bytes must be between 3 MiB and 64 GiB");
  const bool cuda = info.Length() > 1 && info[1].IsString() && info[1].As<Napi::String>().Utf8Value() == "cuda";
  return Napi::Number::New(info.Env(), cuda ? cuda_stream_triad(size_t(bytes)) : triad_gbps(size_t(bytes)));
}

Napi::Value measure_peak(const Napi::CallbackInfo& info) {
  const Isa best = cpu_features().best;
  Napi::Object out = Napi::Object::New(info.Env());
  if (best >= Isa::Avx512) out.Set("f32", peak(fma_avx512, kChains * 16 * 2));
  else if (best >= Isa::Avx2) out.Set("f32", peak(fma_avx2, kChains * 8 * 2));
  // vdpbf16ps: 16 lanes x 2 products x 2 flops.
  if (best >= Isa::Avx512Bf16) out.Set("bf16", peak(dp_bf16, kChains * 16 * 4));
  return out;
}
