#include "device.h"

#include <cstdlib>
#include <stdexcept>

#include "cuda/cuda_api.h"

const char* device_name(Device d) { return d == Device::Cuda ? "cuda" : "cpu"; }

std::string requested_device(const std::string& requested) {
  if (!requested.empty()) return requested;
  const char* env = std::getenv("CONCLAVE_MOE_DEVICE");
  return env ? env : "";
}

Device resolve_device(const std::string& requested) {
  const std::string want = requested_device(requested);
  const std::string source = requested.empty() ? "CONCLAVE_MOE_DEVICE" : "device option";
  if (want.empty()) return cuda_info().available ? Device::Cuda : Device::Cpu;
  if (want == "cpu") return Device::Cpu;
  if (want != "cuda")
    throw std::invalid_argument(source + ": unknown device '" + want + "' (expected cpu or cuda)");
  if (!cuda_info().available)
    throw std::runtime_error(source + " asks for cuda but CUDA is unavailable: " + cuda_info().reason);
  return Device::Cuda;
}
