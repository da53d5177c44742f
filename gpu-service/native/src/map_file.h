#pragma once
#include <napi.h>

// mapFile(path: string): Uint8Array
Napi::Value map_file(const Napi::CallbackInfo& info);
