// CUDA error handling for the host side: every failure becomes a C++ exception (and from there a
// JavaScript Error), never an abort.
#pragma once
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

inline void cuda_check(cudaError_t err, const char* what) {
  if (err != cudaSuccess)
    throw std::runtime_error(std::string("CUDA error in ") + what + ": " + cudaGetErrorString(err));
}

// Launch errors surface at the next API call; check right after each launch to name the kernel.
#define CUDA_CHECK(expr) cuda_check((expr), #expr)
#define CUDA_CHECK_LAUNCH(name) cuda_check(cudaGetLastError(), name)
