// Device element types per DType and their conversions to/from f32.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>

__device__ inline float to_f32(__nv_bfloat16 v) { return __bfloat162float(v); }
__device__ inline float to_f32(__half v) { return __half2float(v); }
__device__ inline float to_f32(float v) { return v; }

template <typename T>
__device__ inline T from_f32(float v);
template <>
__device__ inline __nv_bfloat16 from_f32<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }
template <>
__device__ inline __half from_f32<__half>(float v) { return __float2half_rn(v); }
template <>
__device__ inline float from_f32<float>(float v) { return v; }
