// CUDA MoE layer and linear(): route -> align/permute -> grouped GEMMs (gate+up fused, down) ->
// weighted combine, all on one stream with a single synchronisation at the end. Weights stay
// resident on the device after first use (device_memory.cuh).
#include <vector>

#include "cuda/check.cuh"
#include "cuda/cuda_api.h"
#include "cuda/device_memory.cuh"
#include "cuda/kernels.cuh"

namespace {

cudaStream_t stream() {
  static cudaStream_t s = [] {
    cudaStream_t created;
    CUDA_CHECK(cudaSetDevice(0));
    CUDA_CHECK(cudaStreamCreateWithFlags(&created, cudaStreamNonBlocking));
    return created;
  }();
  return s;
}

template <typename T>
T* scratch_as(Slot slot, size_t count) {
  return static_cast<T*>(scratch(slot, count * sizeof(T)));
}

// One MLP (gate/up/down) over already permuted rows: inter = silu(a.gate^T) * (a.up^T), out = inter.down^T.
// `table` holds the experts' gate pointers, then up, then down (n each).
void run_mlp(DType dtype, const void* act, const void* const* table, int64_t n, const int32_t* tile_expert,
             int64_t tiles, int64_t H, int64_t I, void* inter, float* out, cudaStream_t s) {
  launch_grouped_gemm({dtype, act, table, table + n, tile_expert, tiles, I, H, inter}, s);
  launch_grouped_gemm({dtype, inter, table + 2 * n, nullptr, tile_expert, tiles, H, I, out}, s);
}

}  // namespace

void moe_forward_cuda(const MoeLayer& L, const float* x, int64_t T, const MoeOutput& out) {
  std::lock_guard<std::mutex> lock(cuda_mutex());
  const cudaStream_t s = stream();
  const Routing& r = L.routing;
  const int32_t E = r.num_experts, k = r.top_k;
  const int64_t H = L.hidden, I = L.experts.front().inter();
  const DType dt = L.experts.front().gate.dtype;
  const size_t es = dtype_size(dt);

  // Routed rows: T*k choices, each expert padded to whole tiles. Shared expert (if any): all T
  // tokens in identity order, in its own tiles placed after the routed ones.
  const int64_t tiles = max_tiles(T * k, E), rows = tiles * kTileM;
  const bool shared = L.has_shared;
  const DType sdt = shared ? L.shared.gate.dtype : dt;
  const size_t ses = dtype_size(sdt);
  const int64_t Is = shared ? L.shared.inter() : 0;
  const int64_t stiles = shared ? (T + kTileM - 1) / kTileM : 0, srows = stiles * kTileM;

  // Every buffer is sized before the first launch: growing one later would free memory that
  // queued kernels still use.
  float* x_d = scratch_as<float>(Slot::X, size_t(T * H));
  float* y_d = scratch_as<float>(Slot::Y, size_t(T * H));
  float* logits = scratch_as<float>(Slot::Logits, size_t(T * E));
  float* select = scratch_as<float>(Slot::Select, size_t(T * 2 * E));
  int32_t* ids = scratch_as<int32_t>(Slot::Ids, size_t(T * k));
  float* weights = scratch_as<float>(Slot::Weights, size_t(T * k));
  int32_t* counts = scratch_as<int32_t>(Slot::Counts, size_t(2 * E));
  int32_t* tile_expert = scratch_as<int32_t>(Slot::Tiles, size_t(tiles + stiles));
  int32_t* row_token = scratch_as<int32_t>(Slot::RowToken, size_t(rows));
  int64_t* row_of = scratch_as<int64_t>(Slot::RowOf, size_t(T * k));
  unsigned char* act = scratch_as<unsigned char>(Slot::Act, size_t(rows * H) * es + size_t(srows * H) * ses);
  unsigned char* inter = scratch_as<unsigned char>(Slot::Inter, size_t(rows * I) * es + size_t(srows * Is) * ses);
  float* routed = scratch_as<float>(Slot::Out, size_t((rows + srows) * H));
  float* shared_logit = L.has_shared_gate ? scratch_as<float>(Slot::SharedGate, size_t(T)) : nullptr;
  const float* bias_d = L.bias() ? scratch_as<float>(Slot::Bias, size_t(E)) : nullptr;

  // Weight pointers: routed gate[E], up[E], down[E], then the shared expert's gate, up, down.
  std::vector<const void*> table;
  for (const auto part : {&ExpertMlp::gate, &ExpertMlp::up, &ExpertMlp::down})
    for (int32_t e = 0; e < E; ++e) table.push_back(device_weights(L.experts[size_t(e)].*part));
  if (shared) table.insert(table.end(), {device_weights(L.shared.gate), device_weights(L.shared.up), device_weights(L.shared.down)});
  const void** table_d = scratch_as<const void*>(Slot::Pointers, table.size());
  const void* router_d = device_weights(L.router);
  const void* shared_gate_d = L.has_shared_gate ? device_weights(L.shared_gate) : nullptr;

  CUDA_CHECK(cudaMemcpyAsync(table_d, table.data(), table.size() * sizeof(void*), cudaMemcpyHostToDevice, s));
  CUDA_CHECK(cudaMemcpyAsync(x_d, x, sizeof(float) * size_t(T * H), cudaMemcpyHostToDevice, s));
  if (bias_d)
    CUDA_CHECK(cudaMemcpyAsync(const_cast<float*>(bias_d), L.bias(), sizeof(float) * size_t(E), cudaMemcpyHostToDevice, s));

  launch_router_logits(L.router.dtype, x_d, router_d, T, E, H, logits, s);
  launch_select(logits, bias_d, r, T, select, ids, weights, s);
  launch_group_by_expert(ids, T, k, E, tiles, counts, tile_expert, row_token, row_of, s);
  launch_gather(dt, x_d, H, row_token, rows, T, act, s);
  run_mlp(dt, act, table_d, E, tile_expert, tiles, H, I, inter, routed, s);

  const float* shared_out = nullptr;
  if (shared) {
    int32_t* stile = tile_expert + tiles;
    CUDA_CHECK(cudaMemsetAsync(stile, 0, sizeof(int32_t) * size_t(stiles), s));  // all "expert" 0
    unsigned char* sact = act + size_t(rows * H) * es;
    launch_gather(sdt, x_d, H, nullptr, srows, T, sact, s);
    run_mlp(sdt, sact, table_d + 3 * E, 1, stile, stiles, H, Is, inter + size_t(rows * I) * es, routed + rows * H, s);
    shared_out = routed + rows * H;
    if (shared_gate_d) launch_router_logits(L.shared_gate.dtype, x_d, shared_gate_d, T, 1, H, shared_logit, s);
  }

  launch_combine(routed, row_of, weights, T, k, H, shared_out, shared_gate_d ? shared_logit : nullptr, y_d, s);
  CUDA_CHECK(cudaMemcpyAsync(out.y, y_d, sizeof(float) * size_t(T * H), cudaMemcpyDeviceToHost, s));
  CUDA_CHECK(cudaMemcpyAsync(out.topk_ids, ids, sizeof(int32_t) * size_t(T * k), cudaMemcpyDeviceToHost, s));
  CUDA_CHECK(cudaMemcpyAsync(out.topk_weights, weights, sizeof(float) * size_t(T * k), cudaMemcpyDeviceToHost, s));
  CUDA_CHECK(cudaStreamSynchronize(s));
}

void linear_cuda(const float* x, int64_t T, const MatrixView& w, float* y) {
  std::lock_guard<std::mutex> lock(cuda_mutex());
  const cudaStream_t s = stream();
  const int64_t N = w.rows, K = w.cols;
  const int64_t tiles = (T + kTileM - 1) / kTileM, rows = tiles * kTileM;
  float* x_d = scratch_as<float>(Slot::X, size_t(T * K));
  int32_t* tile_expert = scratch_as<int32_t>(Slot::Tiles, size_t(tiles));
  void* act = scratch(Slot::Act, size_t(rows * K) * dtype_size(w.dtype));
  float* out = scratch_as<float>(Slot::Out, size_t(rows * N));
  CUDA_CHECK(cudaMemcpyAsync(x_d, x, sizeof(float) * size_t(T * K), cudaMemcpyHostToDevice, s));
  CUDA_CHECK(cudaMemsetAsync(tile_expert, 0, sizeof(int32_t) * size_t(tiles), s));
  launch_gather(w.dtype, x_d, K, nullptr, rows, T, act, s);
  const void* w_d = device_weights(w);
  const void** table_d = scratch_as<const void*>(Slot::Pointers, 1);
  CUDA_CHECK(cudaMemcpyAsync(table_d, &w_d, sizeof(void*), cudaMemcpyHostToDevice, s));
  launch_grouped_gemm({w.dtype, act, table_d, nullptr, tile_expert, tiles, N, K, out}, s);
  // The first T rows of `out` are y (row stride N).
  CUDA_CHECK(cudaMemcpyAsync(y, out, sizeof(float) * size_t(T * N), cudaMemcpyDeviceToHost, s));
  CUDA_CHECK(cudaStreamSynchronize(s));
}
