// What the CPU can run, detected once with cpuid/xgetbv (and, for AMX, the Linux permission
// request), so every kernel is chosen at run time instead of at compile time.
#pragma once
#include <string>
#include <vector>

// Ordered: each level implies the ones before it.
enum class Isa : int { Portable = 0, Avx2 = 1, Avx512 = 2, Avx512Bf16 = 3, Amx = 4 };

const char* isa_name(Isa isa);
// Parses a name from isa_name; returns false for anything else.
bool parse_isa(const std::string& name, Isa* out);

struct CpuFeatures {
  Isa best = Isa::Portable;  // highest level supported by CPU and OS
  std::vector<std::string> flags;  // individual features found, for deviceInfo()
  std::string amx_note;            // why AMX is off when the CPU has it (e.g. permission refused)
};

const CpuFeatures& cpu_features();
// The ISA the kernels use by default: `best`, capped by CONCLAVE_MOE_ISA if set (an unknown name
// throws std::invalid_argument).
Isa default_isa();
