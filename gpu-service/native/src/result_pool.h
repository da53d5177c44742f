// Output arrays handed to JavaScript are carved from recycled native blocks. A fresh allocation of
// megabytes is fresh pages, and every 4 KiB page then costs a fault on first touch (an 8 MiB y took
// 37 ms of faults on the development VM, more than its whole combine step); a block returned by a
// collected array is reused as it is. Small arrays come from V8 as usual.
#pragma once
#include <napi.h>

#include <cstddef>

// A Float32Array / Int32Array of `count` elements whose contents are undefined: callers overwrite
// every element.
Napi::Float32Array pooled_float32(Napi::Env env, size_t count);
Napi::Int32Array pooled_int32(Napi::Env env, size_t count);
