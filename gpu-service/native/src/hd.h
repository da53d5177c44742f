// Lets the small pure functions shared by the CPU and CUDA paths (dtype decoding, expert
// selection) compile for both, so the two devices cannot drift apart in semantics.
// `static`: each translation unit keeps its own copy, so a copy compiled with AVX-512 flags in an
// ISA-specific file can never be the one the linker hands to code running on an older CPU.
#pragma once
#ifdef __CUDACC__
#define MOE_HD __host__ __device__ static inline
#else
#define MOE_HD static inline
#endif
