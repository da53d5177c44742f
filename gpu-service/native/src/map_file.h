#pragma once
#include <napi.h>

#include <cstddef>

// mapFile(path: string): Uint8Array
Napi::Value map_file(const Napi::CallbackInfo& info);

// Hands back the pages wholly inside [p, p + n) when they lie in a mapping made by mapFile (clean
// file pages: a later read faults them in again from the file), so that a copy made of them (packed
// weights) does not count twice in the process's memory. Elsewhere (memory JavaScript allocated,
// whose pages hold the only copy) it does nothing. Returns the bytes handed back.
size_t release_file_pages(const void* p, size_t n);
