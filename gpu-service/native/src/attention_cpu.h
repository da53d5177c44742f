// Causal self-attention of one sequence's new query rows over its f32 key/value cache (grouped-query
// heads): the attention core of the served forward pass, between RoPE and the output projection.
#pragma once
#include <cstdint>

struct AttentionShape {
  int64_t rows;      // new query rows; row j sits at position start + j and sees positions 0..start + j
  int64_t start;     // positions already in the cache before these rows
  int64_t heads, kv_heads, head_dim;  // heads % kv_heads == 0
  double scale;      // applied to every q . k
};

// q and out [rows, heads * head_dim]; keys and values [start + rows, kv_heads * head_dim] at least,
// holding every position the rows see. Checked by the caller (attention_js.cc).
void attention_cpu(const AttentionShape& s, const float* q, const float* keys, const float* values, float* out);
