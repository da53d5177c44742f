// Which device runs an operation: an explicit per-call choice, else CONCLAVE_MOE_DEVICE, else CUDA
// when a GPU is usable and the CPU otherwise.
#pragma once
#include <string>

enum class Device { Cpu, Cuda };

// `requested` is "" (no preference), "cpu" or "cuda". Throws std::invalid_argument for an unknown
// name and std::runtime_error when CUDA is requested but unusable (with the reason).
Device resolve_device(const std::string& requested);
// What was asked for: `requested`, else CONCLAVE_MOE_DEVICE, else "" (no preference).
std::string requested_device(const std::string& requested);
const char* device_name(Device d);
