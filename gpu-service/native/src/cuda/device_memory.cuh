// Device memory the CUDA path keeps between calls: weights uploaded once (keyed by host address,
// size and a content fingerprint) and growable scratch buffers. Callers hold cuda_mutex().
#pragma once
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "tensor.h"

std::mutex& cuda_mutex();

// Device copy of a weight matrix, uploaded on first use. The fingerprint (sampled words) catches a
// host address reused for different weights after the old buffer was garbage collected.
const void* device_weights(const MatrixView& m);

// Scratch buffer `slot`, at least `bytes` long; contents are undefined between calls. Growing a
// slot frees its old memory, so size every slot before queueing work that uses it.
enum class Slot { X, Y, Logits, Select, Bias, Ids, Weights, Counts, Tiles, RowToken, RowOf, Act, Inter, Out, SharedGate, Pointers, kCount };
void* scratch(Slot slot, size_t bytes);
