#include "cpu_features.h"

#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace {

constexpr const char* kNames[] = {"portable", "avx2", "avx512", "avx512bf16", "amx"};

uint64_t xgetbv0() {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t(hi) << 32) | lo;
}

// Linux keeps AMX tile state disabled per process until it is requested (kernel >= 5.16).
bool request_amx_permission() {
  constexpr long kArchReqXcompPerm = 0x1023;
  constexpr long kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
}

CpuFeatures detect() {
  CpuFeatures f;
  uint32_t a, b, c, d;
  if (!__get_cpuid_count(1, 0, &a, &b, &c, &d)) return f;
  const bool osxsave = c >> 27 & 1, fma = c >> 12 & 1, f16c = c >> 29 & 1, avx = c >> 28 & 1;
  const uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  const bool os_avx = (xcr0 & 0x6) == 0x6;
  const bool os_avx512 = (xcr0 & 0xe6) == 0xe6;
  const bool os_amx = (xcr0 & 0x60000) == 0x60000;

  uint32_t b7 = 0, c7 = 0, d7 = 0, a71 = 0;
  if (__get_cpuid_count(7, 0, &a, &b7, &c7, &d7)) {
    uint32_t b1, c1, d1;
    if (__get_cpuid_count(7, 1, &a71, &b1, &c1, &d1) == 0) a71 = 0;
  }
  const bool avx2 = avx && os_avx && (b7 >> 5 & 1) && fma && f16c;
  const bool avx512 = avx2 && os_avx512 && (b7 >> 16 & 1) /*F*/ && (b7 >> 17 & 1) /*DQ*/ &&
                      (b7 >> 30 & 1) /*BW*/ && (b7 >> 31 & 1) /*VL*/;
  const bool avx512bf16 = avx512 && (a71 >> 5 & 1);
  const bool amx_hw = avx512bf16 && os_amx && (d7 >> 24 & 1) /*AMX-TILE*/ && (d7 >> 22 & 1) /*AMX-BF16*/;

  if (fma) f.flags.push_back("fma");
  if (f16c) f.flags.push_back("f16c");
  if (avx2) f.flags.push_back("avx2");
  if (avx512) f.flags.push_back("avx512f/bw/vl/dq");
  if (avx512bf16) f.flags.push_back("avx512_bf16");
  if (amx_hw) f.flags.push_back("amx_bf16");

  f.best = avx512bf16 ? Isa::Avx512Bf16 : avx512 ? Isa::Avx512 : avx2 ? Isa::Avx2 : Isa::Portable;
  if (amx_hw) {
    if (request_amx_permission()) {
      f.best = Isa::Amx;
    } else {
      f.amx_note = "AMX present but the kernel refused ARCH_REQ_XCOMP_PERM";
    }
  }
  return f;
}

}  // namespace

const char* isa_name(Isa isa) { return kNames[int(isa)]; }

bool parse_isa(const std::string& name, Isa* out) {
  for (int i = 0; i <= int(Isa::Amx); ++i) {
    if (name == kNames[i]) {
      *out = Isa(i);
      return true;
    }
  }
  return false;
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

Isa default_isa() {
  // A typo must not silently leave the cap off: an unknown name is an error on every call.
  static const Isa isa = [] {
    Isa best = cpu_features().best, cap;
    const char* env = std::getenv("CONCLAVE_MOE_ISA");
    if (!env || !*env) return best;
    if (!parse_isa(env, &cap))
      throw std::invalid_argument(std::string("CONCLAVE_MOE_ISA: unknown ISA '") + env +
                                  "' (expected portable, avx2, avx512, avx512bf16 or amx)");
    return cap < best ? cap : best;
  }();
  return isa;
}
