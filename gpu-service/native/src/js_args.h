// Conversion and validation of JavaScript arguments at the addon's entry. Every check happens
// here, before any kernel runs, and failures throw a TypeError/RangeError naming the argument.
// Every size product is computed with overflow checks: shapes come from untrusted headers.
#pragma once
#include <napi.h>

#include <string>

#include "cpu_features.h"
#include "device.h"
#include "moe_layer.h"
#include "pinned_buffers.h"

// Most tokens per call: expert groups index tokens with int32.
constexpr int64_t kMaxTokens = (int64_t(1) << 31) - 1;

// Largest shape dim or count accepted.
constexpr int64_t kMaxDim = int64_t(1) << 40;

// A non-negative integer no larger than kMaxDim (shape dims, counts); `name` in the error.
int64_t parse_count(const Napi::Value& v, const std::string& name);

// { dtype, shape, data: Uint8Array } -> view (no copy). `name` prefixes error messages. The buffer
// behind `data` is added to `pins` when given.
MatrixView parse_matrix(const Napi::Value& v, const std::string& name, PinnedBuffers* pins = nullptr);

Routing parse_routing(const Napi::Value& v);

// Validates every tensor against the routing (E) and the router's hidden size.
MoeLayer parse_layer(const Napi::Value& routing, const Napi::Value& weights, PinnedBuffers* pins);

// Checks x is a Float32Array of tokens * hidden finite values, tokens <= kMaxTokens; returns its data
// (no copy).
const float* parse_activations(const Napi::Value& x, const Napi::Value& tokens, int64_t hidden,
                               int64_t* token_count);

// Optional outputTokens (undefined/null: every token): an Int32Array of ascending distinct token
// indices in [0, tokens); returns its data (no copy) and its length in *count.
const int32_t* parse_output_tokens(const Napi::Value& v, int64_t tokens, int64_t* count);

// v as a Float32Array (no copy); a TypeError "<name> must be a Float32Array" otherwise.
Napi::Float32Array parse_float32(const Napi::Value& v, const std::string& name);

// A RangeError "<name> has L values, expected [at least ]n" unless a holds n values (at least n).
void expect_length(const Napi::Float32Array& a, const std::string& name, int64_t n, bool at_least = false);

// a * b, throwing a RangeError naming `what` when it does not fit in int64.
int64_t checked_mul(const Napi::Env& env, int64_t a, int64_t b, const std::string& what);

// Optional device argument ("cpu" | "cuda" | undefined: CONCLAVE_MOE_DEVICE, else CUDA when usable).
// `cuda_refusal` ("" when none): why the CUDA kernels cannot run the operation; CUDA asked for or
// chosen is then a RangeError with it, asked for before CUDA's availability is, so the same shape
// gets the same error on every machine.
Device parse_device(const Napi::Value& v, const std::string& cuda_refusal = "");
// Optional CPU ISA cap (undefined: the default ISA); refuses names this CPU cannot run.
Isa parse_cpu_isa(const Napi::Value& v);
