// Conversion and validation of JavaScript arguments at the addon's entry. Every check happens
// here, before any kernel runs, and failures throw a TypeError/RangeError naming the argument.
#pragma once
#include <napi.h>

#include <string>

#include "moe_layer.h"

// { dtype, shape, data: Uint8Array } -> view (no copy). `name` prefixes error messages.
MatrixView parse_matrix(const Napi::Value& v, const std::string& name);

Routing parse_routing(const Napi::Value& v);

// Validates every tensor against the routing (E) and the router's hidden size.
MoeLayer parse_layer(const Napi::Value& routing, const Napi::Value& weights);

// Checks x is a Float32Array of tokens * hidden finite values; returns its data (no copy).
const float* parse_activations(const Napi::Value& x, const Napi::Value& tokens, int64_t hidden,
                               int64_t* token_count);
