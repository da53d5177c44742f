# The peer of `bench:moe`: a Hugging Face-style sparse-MoE block in PyTorch (bf16, oneDNN on CPU),
# the loop over experts of transformers' OlmoeSparseMoeBlock / Qwen3MoeSparseMoeBlock /
# MixtralSparseMoeBlock. moe.bench.ts starts it once and drives it with one JSON command per stdin
# line, answering one JSON line each, so both engines time the same weights in alternation.
#   {"op": "hello"}                                      -> {"torch": version, "threads": n}
#   {"op": "load", "dir", "E", "H", "I", "k", "norm"}    -> {} (router.bin, gate_up.bin, down.bin: raw bf16)
#   {"op": "time", "x", "T", "minRuns", "minMs", "flushBytes", "out"} -> {"ms": median}; y (f32) to `out`
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def bf16(path, shape):
    # Copy-on-write map: the weights stay in the page cache the TypeScript side also maps.
    raw = np.memmap(path, dtype=np.int16, mode="c", shape=tuple(shape))
    return torch.from_numpy(raw).view(torch.bfloat16)


class Block:
    def __init__(self, d, E, H, I, k, norm):
        self.k, self.norm, self.E = k, norm, E
        self.router = bf16(f"{d}/router.bin", [E, H])
        gate_up = bf16(f"{d}/gate_up.bin", [E, 2 * I, H])
        down = bf16(f"{d}/down.bin", [E, H, I])
        self.experts = [(gate_up[e, :I], gate_up[e, I:], down[e]) for e in range(E)]

    @torch.no_grad()
    def __call__(self, x):
        logits = F.linear(x, self.router)
        weights = F.softmax(logits, dim=1, dtype=torch.float)
        weights, selected = torch.topk(weights, self.k, dim=-1)
        if self.norm:
            weights /= weights.sum(dim=-1, keepdim=True)
        weights = weights.to(x.dtype)
        out = torch.zeros_like(x)
        mask = F.one_hot(selected, num_classes=self.E).permute(2, 1, 0)
        for e in range(self.E):
            idx, top_x = torch.where(mask[e])
            if top_x.numel() == 0:
                continue
            gate, up, down = self.experts[e]
            state = x[top_x]
            h = F.linear(F.silu(F.linear(state, gate)) * F.linear(state, up), down)
            out.index_add_(0, top_x, h * weights[top_x, idx, None])
        return out


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads()
    torch.set_num_threads(threads)
    block = None
    flush = None
    for line in sys.stdin:
        cmd = json.loads(line)
        op = cmd["op"]
        if op == "hello":
            reply = {"torch": torch.__version__, "threads": torch.get_num_threads()}
        elif op == "load":
            block = Block(cmd["dir"], cmd["E"], cmd["H"], cmd["I"], cmd["k"], cmd["norm"])
            reply = {}
        elif op == "time":
            T = cmd["T"]
            x = torch.from_numpy(np.fromfile(cmd["x"], dtype=np.float32).reshape(T, -1)).to(torch.bfloat16)
            if flush is None or flush.size < cmd["flushBytes"]:
                flush = np.empty(cmd["flushBytes"], dtype=np.uint8)
            y = block(x)  # warm-up, as the TypeScript side does
            times = []
            spent = 0.0
            while len(times) < cmd["minRuns"] or spent < cmd["minMs"]:
                flush.fill(len(times) & 0xFF)  # evict the weights from the last-level cache (not timed)
                t0 = time.perf_counter()
                y = block(x)
                times.append((time.perf_counter() - t0) * 1e3)
                spent += times[-1]
                if len(times) >= 30:
                    break
            y.float().numpy().tofile(cmd["out"])
            reply = {"ms": sorted(times)[len(times) // 2]}
        else:
            reply = {"error": f"unknown op {op}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
