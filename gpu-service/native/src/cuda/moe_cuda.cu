// CUDA MoE layer and linear(): weights uploaded once when a layer is bound (one device arena per
// layer, freed with its handle); each call is route -> align/permute -> grouped GEMMs (gate+up fused,
// down) -> weighted combine, on one stream with a single synchronisation at the end.
#include <vector>

#include "cuda/check.cuh"
#include "cuda/cuda_api.h"
#include "cuda/device_buffer.cuh"
#include "cuda/kernels.cuh"

struct CudaMoeLayer {
  Routing routing;
  int64_t hidden = 0, inter = 0, shared_inter = 0;
  DType dtype = DType::BF16, shared_dtype = DType::BF16, router_dtype = DType::BF16, shared_gate_dtype = DType::BF16;
  bool has_shared = false;
  DeviceBuffer arena;
  const void* router = nullptr;
  const void* shared_gate = nullptr;  // Qwen2-MoE, else null
  const float* bias = nullptr;        // DeepSeek-V3 score correction, else null
  // Routed gate[E], up[E], down[E], then the shared expert's gate, up, down.
  const void* const* table = nullptr;
};

struct CudaMatrix {
  DType dtype = DType::BF16;
  int64_t rows = 0, cols = 0;
  DeviceBuffer arena;
  const void* const* table = nullptr;  // one entry: the weights (the grouped GEMM's expert table)
};

void destroy(CudaMoeLayer* layer) { delete layer; }
void destroy(CudaMatrix* matrix) { delete matrix; }

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

// Host blocks laid out in one device allocation, each at a 256-byte boundary (what cudaMalloc
// itself guarantees, and more than the 16-byte vector loads of the GEMM need).
class ArenaPlan {
 public:
  size_t add(const void* host, size_t bytes) {
    const size_t offset = total_;
    blocks_.push_back({host, bytes, offset});
    total_ = (offset + bytes + 255) & ~size_t(255);
    return offset;
  }
  size_t add(const MatrixView& m) { return add(m.data, m.bytes()); }
  DeviceBuffer upload() const {
    DeviceBuffer d(total_);
    for (const Block& b : blocks_)
      if (b.bytes) CUDA_CHECK(cudaMemcpy(d.as<unsigned char>(b.offset), b.host, b.bytes, cudaMemcpyHostToDevice));
    return d;
  }

 private:
  struct Block {
    const void* host;
    size_t bytes, offset;
  };
  std::vector<Block> blocks_;
  size_t total_ = 0;
};

// One MLP (gate/up/down) over already permuted rows: inter = silu(a.gate^T) * (a.up^T), out = inter.down^T.
// `table` holds the experts' gate pointers, then up, then down (n each).
void run_mlp(DType dtype, const void* act, const void* const* table, int64_t n, const int32_t* tile_expert,
             int64_t tiles, int64_t H, int64_t I, void* inter, float* out, cudaStream_t s) {
  launch_grouped_gemm({dtype, act, table, table + n, tile_expert, tiles, I, H, inter}, s);
  launch_grouped_gemm({dtype, inter, table + 2 * n, nullptr, tile_expert, tiles, H, I, out}, s);
}

}  // namespace

CudaMoeLayerPtr cuda_bind_moe(const MoeLayer& L) {
  std::lock_guard<std::mutex> lock(cuda_mutex());
  stream();  // selects the device before the first allocation
  CudaMoeLayerPtr d(new CudaMoeLayer);
  const int32_t E = L.routing.num_experts;
  d->routing = L.routing;
  d->hidden = L.hidden;
  d->inter = L.experts.front().inter();
  d->dtype = L.experts.front().gate.dtype;
  d->router_dtype = L.router.dtype;
  d->has_shared = L.has_shared;
  if (L.has_shared) {
    d->shared_inter = L.shared.inter();
    d->shared_dtype = L.shared.gate.dtype;
  }
  ArenaPlan plan;
  std::vector<size_t> offsets;
  for (const auto part : {&ExpertMlp::gate, &ExpertMlp::up, &ExpertMlp::down})
    for (int32_t e = 0; e < E; ++e) offsets.push_back(plan.add(L.experts[size_t(e)].*part));
  if (L.has_shared)
    for (const auto part : {&ExpertMlp::gate, &ExpertMlp::up, &ExpertMlp::down}) offsets.push_back(plan.add(L.shared.*part));
  const size_t router = plan.add(L.router);
  const size_t shared_gate = L.has_shared_gate ? plan.add(L.shared_gate) : 0;
  const size_t bias = L.bias() ? plan.add(L.bias(), sizeof(float) * size_t(E)) : 0;
  // The pointer table needs the arena's address: reserve its place, fill it after allocation.
  std::vector<const void*> table(offsets.size());
  const size_t table_offset = plan.add(table.data(), table.size() * sizeof(void*));
  d->arena = plan.upload();
  for (size_t i = 0; i < offsets.size(); ++i) table[i] = d->arena.as<unsigned char>(offsets[i]);
  CUDA_CHECK(cudaMemcpy(d->arena.as<unsigned char>(table_offset), table.data(), table.size() * sizeof(void*),
                        cudaMemcpyHostToDevice));
  d->table = d->arena.as<const void* const>(table_offset);
  d->router = d->arena.as<unsigned char>(router);
  if (L.has_shared_gate) {
    d->shared_gate = d->arena.as<unsigned char>(shared_gate);
    d->shared_gate_dtype = L.shared_gate.dtype;
  }
  if (L.bias()) d->bias = d->arena.as<float>(bias);
  return d;
}

CudaMatrixPtr cuda_bind_matrix(const MatrixView& w) {
  std::lock_guard<std::mutex> lock(cuda_mutex());
  stream();
  CudaMatrixPtr d(new CudaMatrix);
  d->dtype = w.dtype;
  d->rows = w.rows;
  d->cols = w.cols;
  ArenaPlan plan;
  const size_t weights = plan.add(w);
  const void* entry = nullptr;
  const size_t table_offset = plan.add(&entry, sizeof(void*));
  d->arena = plan.upload();
  entry = d->arena.as<unsigned char>(weights);
  CUDA_CHECK(cudaMemcpy(d->arena.as<unsigned char>(table_offset), &entry, sizeof(void*), cudaMemcpyHostToDevice));
  d->table = d->arena.as<const void* const>(table_offset);
  return d;
}

void moe_forward_cuda(const CudaMoeLayer& L, const float* x, int64_t T, const MoeOutput& out) {
  std::lock_guard<std::mutex> lock(cuda_mutex());
  const cudaStream_t s = stream();
  const Routing& r = L.routing;
  const int32_t E = r.num_experts, k = r.top_k;
  const int64_t H = L.hidden, I = L.inter;
  const DType dt = L.dtype;
  const size_t es = dtype_size(dt);

  // Routed rows: T*k choices, each expert padded to whole tiles. Shared expert (if any): all T
  // tokens in identity order, in its own tiles placed after the routed ones.
  const int64_t tiles = max_tiles(T * k, E), rows = tiles * kTileM;
  const bool shared = L.has_shared;
  const DType sdt = shared ? L.shared_dtype : dt;
  const size_t ses = dtype_size(sdt);
  const int64_t Is = L.shared_inter;
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
  float* shared_logit = L.shared_gate ? scratch_as<float>(Slot::SharedGate, size_t(T)) : nullptr;

  CUDA_CHECK(cudaMemcpyAsync(x_d, x, sizeof(float) * size_t(T * H), cudaMemcpyHostToDevice, s));
  launch_router_logits(L.router_dtype, x_d, L.router, T, E, H, logits, s);
  launch_select(logits, L.bias, r, T, select, ids, weights, s);
  launch_group_by_expert(ids, T, k, E, tiles, counts, tile_expert, row_token, row_of, s);
  launch_gather(dt, x_d, H, row_token, rows, T, act, s);
  run_mlp(dt, act, L.table, E, tile_expert, tiles, H, I, inter, routed, s);

  const float* shared_out = nullptr;
  if (shared) {
    int32_t* stile = tile_expert + tiles;
    CUDA_CHECK(cudaMemsetAsync(stile, 0, sizeof(int32_t) * size_t(stiles), s));  // all "expert" 0
    unsigned char* sact = act + size_t(rows * H) * es;
    launch_gather(sdt, x_d, H, nullptr, srows, T, sact, s);
    run_mlp(sdt, sact, L.table + 3 * E, 1, stile, stiles, H, Is, inter + size_t(rows * I) * es, routed + rows * H, s);
    shared_out = routed + rows * H;
    if (L.shared_gate) launch_router_logits(L.shared_gate_dtype, x_d, L.shared_gate, T, 1, H, shared_logit, s);
  }

  launch_combine(routed, row_of, weights, T, k, H, shared_out, shared_logit, y_d, s);
  CUDA_CHECK(cudaMemcpyAsync(out.y, y_d, sizeof(float) * size_t(T * H), cudaMemcpyDeviceToHost, s));
  CUDA_CHECK(cudaMemcpyAsync(out.topk_ids, ids, sizeof(int32_t) * size_t(T * k), cudaMemcpyDeviceToHost, s));
  CUDA_CHECK(cudaMemcpyAsync(out.topk_weights, weights, sizeof(float) * size_t(T * k), cudaMemcpyDeviceToHost, s));
  CUDA_CHECK(cudaStreamSynchronize(s));
}

void linear_cuda(const CudaMatrix& w, const float* x, int64_t T, float* y) {
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
  launch_grouped_gemm({w.dtype, act, w.table, nullptr, tile_expert, tiles, N, K, out}, s);
  // The first T rows of `out` are y (row stride N).
  CUDA_CHECK(cudaMemcpyAsync(y, out, sizeof(float) * size_t(T * N), cudaMemcpyDeviceToHost, s));
  CUDA_CHECK(cudaStreamSynchronize(s));
}
