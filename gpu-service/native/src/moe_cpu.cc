// CPU MoE layer: route, group tokens by expert, then grouped GEMMs (gate and up fused, down), and
// a weighted combine per token. Every active expert's weights are streamed once per call.
#include <cmath>
#include <cstring>
#include <vector>

#include "cpu_ops.h"
#include "expert_groups.h"
#include "gemm/kernel.h"
#include "gemm/parallel.h"
#include "numeric.h"
#include "silu_mul.h"
#include "thread_pool.h"

namespace {

// One MLP applied to a contiguous block of permuted rows (a routed expert, or the shared expert
// over all tokens).
struct Group {
  const ExpertMlp* mlp;
  int64_t row0, rows;    // permuted rows
  int64_t h_offset;      // start of this group's activations in the intermediate buffer
  const GemmKernel* up;  // kernel for gate/up (K = H)
  const GemmKernel* down;  // kernel for down (K = I)
  size_t x_packed, h_packed;  // offsets of the packed activation blocks
};

// Tokens per combine task: enough work per task to dwarf its dispatch.
constexpr int64_t kCombineTokens = 16;

struct Task {
  int32_t group;
  int64_t n0, n1;
};

// Buffers reused across calls on the same JS thread, so steady-state calls do not page-fault.
struct Workspace {
  std::vector<float> gathered, inter, out;
  std::vector<uint8_t> x_packed, h_packed;
};

std::vector<Task> split_rows(const std::vector<Group>& groups, bool down) {
  std::vector<Task> tasks;
  for (size_t g = 0; g < groups.size(); ++g) {
    const int64_t N = down ? groups[g].mlp->down.rows : groups[g].mlp->inter();
    for (int64_t n0 = 0; n0 < N; n0 += kRowsPerTask)
      tasks.push_back({int32_t(g), n0, n0 + kRowsPerTask < N ? n0 + kRowsPerTask : N});
  }
  return tasks;
}

}  // namespace

void moe_forward_cpu(const MoeLayer& layer, const float* x, int64_t T, Isa isa,
                     const MoeOutput& out, const int32_t* outputs, int64_t output_count) {
  const Routing& r = layer.routing;
  const int64_t H = layer.hidden, k = r.top_k;
  route_tokens_cpu(layer, x, T, isa, out.topk_ids, out.topk_weights);
  // The tokens that go through the experts: S of them, the s-th is token_of(s).
  const int64_t S = outputs ? output_count : T;
  const auto token_of = [&](int64_t s) { return outputs ? int64_t(outputs[s]) : s; };
  std::vector<int32_t> chosen;
  const int32_t* ids = out.topk_ids;
  if (outputs) {
    chosen.resize(size_t(S * k));
    for (int64_t s = 0; s < S; ++s) memcpy(&chosen[size_t(s * k)], out.topk_ids + token_of(s) * k, size_t(k) * sizeof(int32_t));
    ids = chosen.data();
  }
  const ExpertGroups eg = group_by_expert(ids, S, r.top_k, r.num_experts);

  // Permuted rows: routed choices grouped by expert, then (if any) the shared expert's S rows.
  const int64_t routed_rows = S * k, total_rows = routed_rows + (layer.has_shared ? S : 0);
  std::vector<Group> groups;
  int64_t h_total = 0;
  size_t xp_total = 0, hp_total = 0;
  auto add_group = [&](const ExpertMlp* mlp, int64_t row0, int64_t rows) {
    const int64_t I = mlp->inter();
    Group g{mlp, row0, rows, h_total,
            &select_gemm(isa, mlp->gate.dtype, rows, I, H, kPanelMinTokens),
            &select_gemm(isa, mlp->down.dtype, rows, H, I, kPanelMinTokens), xp_total,
            hp_total};
    xp_total += (g.up->packed_bytes(rows, H) + 63) & ~size_t(63);
    hp_total += (g.down->packed_bytes(rows, I) + 63) & ~size_t(63);
    h_total += rows * I;
    groups.push_back(g);
  };
  for (int32_t e = 0; e < r.num_experts; ++e) {
    const int64_t rows = eg.offsets[size_t(e) + 1] - eg.offsets[size_t(e)];
    if (rows > 0) add_group(&layer.experts[size_t(e)], eg.offsets[size_t(e)], rows);
  }
  if (layer.has_shared) add_group(&layer.shared, routed_rows, S);

  // Bound by reference here: inside the tasks `ws` would name each worker thread's own (empty)
  // thread_local instance.
  thread_local Workspace caller_ws;
  Workspace& ws = caller_ws;
  ws.gathered.resize(size_t(total_rows * H));
  ws.inter.resize(size_t(h_total));
  ws.out.resize(size_t(total_rows * H));
  ws.x_packed.resize(xp_total);
  ws.h_packed.resize(hp_total);
  const std::vector<Task> up_tasks = split_rows(groups, false);
  const std::vector<Task> down_tasks = split_rows(groups, true);
  const int64_t ngroups = int64_t(groups.size());

  // Gather each group's token rows and pack them for its kernel.
  parallel_for(ngroups, [&](int64_t gi) {
    const Group& g = groups[size_t(gi)];
    float* dst = ws.gathered.data() + g.row0 * H;
    for (int64_t i = 0; i < g.rows; ++i) {
      const int64_t row = g.row0 + i;
      const int64_t t = token_of(row < routed_rows ? eg.tokens[size_t(row)] : row - routed_rows);
      memcpy(dst + i * H, x + t * H, size_t(H) * sizeof(float));
    }
    g.up->pack(dst, g.rows, H, ws.x_packed.data() + g.x_packed);
  });

  // gate and up for the same intermediate columns in one task, so silu(gate) * up is formed
  // while both are in cache.
  parallel_for(int64_t(up_tasks.size()), [&](int64_t ti) {
    thread_local std::vector<float> gate_buf, up_buf;
    const Task& task = up_tasks[size_t(ti)];
    const Group& g = groups[size_t(task.group)];
    const int64_t I = g.mlp->inter(), width = task.n1 - task.n0;
    gate_buf.resize(size_t(g.rows * width));
    up_buf.resize(size_t(g.rows * width));
    const uint8_t* xp = ws.x_packed.data() + g.x_packed;
    g.up->run(xp, g.rows, H, g.mlp->gate.data, task.n0, task.n1, gate_buf.data(), width);
    g.up->run(xp, g.rows, H, g.mlp->up.data, task.n0, task.n1, up_buf.data(), width);
    float* h = ws.inter.data() + g.h_offset;
    for (int64_t m = 0; m < g.rows; ++m)
      silu_mul(gate_buf.data() + m * width, up_buf.data() + m * width, h + m * I + task.n0, width, isa);
  });

  parallel_for(ngroups, [&](int64_t gi) {
    const Group& g = groups[size_t(gi)];
    g.down->pack(ws.inter.data() + g.h_offset, g.rows, g.mlp->inter(), ws.h_packed.data() + g.h_packed);
  });

  parallel_for(int64_t(down_tasks.size()), [&](int64_t ti) {
    const Task& task = down_tasks[size_t(ti)];
    const Group& g = groups[size_t(task.group)];
    g.down->run(ws.h_packed.data() + g.h_packed, g.rows, g.mlp->inter(), g.mlp->down.data, task.n0,
                task.n1, ws.out.data() + g.row0 * H + task.n0, H);
  });

  // Rows of tokens left out stay zero.
  if (outputs) memset(out.y, 0, size_t(T * H) * sizeof(float));
  // Weighted combine per token: deterministic, no atomics.
  parallel_for((S + kCombineTokens - 1) / kCombineTokens, [&](int64_t chunk) {
    const int64_t s1 = (chunk + 1) * kCombineTokens < S ? (chunk + 1) * kCombineTokens : S;
    for (int64_t s = chunk * kCombineTokens; s < s1; ++s) {
      const int64_t t = token_of(s);
      float* yt = out.y + t * H;
      if (layer.has_shared) {
        float scale = 1.0f;
        if (layer.has_shared_gate) {
          float dot = 0.0f;
          for (int64_t i = 0; i < H; ++i)
            dot += x[t * H + i] * load_elem(layer.shared_gate.data, layer.shared_gate.dtype, i);
          scale = 1.0f / (1.0f + expf(-dot));
        }
        const float* src = ws.out.data() + (routed_rows + s) * H;
        for (int64_t i = 0; i < H; ++i) yt[i] = scale * src[i];
      } else {
        memset(yt, 0, size_t(H) * sizeof(float));
      }
      for (int64_t j = 0; j < k; ++j) {
        const float w = out.topk_weights[t * k + j];
        const float* src = ws.out.data() + eg.row_of[size_t(s * k + j)] * H;
        for (int64_t i = 0; i < H; ++i) yt[i] += w * src[i];
      }
    }
  });
}
