// A loaded model's weights bound to the native kernels once, when the model is loaded (as vLLM's
// process_weights_after_loading does): every projection and MoE block is parsed and validated here
// (and on CUDA uploaded), so each forward step passes only activations.
import type { LinearOp, MoeLayerOp } from '../moe/types.js';
import { kernels } from './kernels.js';
import type { ModelWeights } from './weights.js';

export interface BoundLayer {
  attention: { q: LinearOp; k: LinearOp; v: LinearOp; o: LinearOp };
  ffn: { kind: 'moe'; moe: MoeLayerOp } | { kind: 'dense'; gate: LinearOp; up: LinearOp; down: LinearOp };
}

export interface BoundModel {
  layers: BoundLayer[];
  lmHead: LinearOp;
  /** Frees device memory now (CUDA) instead of when the handles are garbage collected. */
  dispose(): void;
}

export function bindModel(weights: ModelWeights): BoundModel {
  const ops: Array<{ dispose(): void }> = [];
  const dispose = () => ops.forEach((op) => op.dispose());
  const linear = (w: Parameters<typeof kernels.bindLinear>[0]) => {
    const op = kernels.bindLinear(w);
    ops.push(op);
    return op;
  };
  try {
    const layers = weights.layers.map((layer): BoundLayer => {
      const a = layer.attention;
      const attention = { q: linear(a.q), k: linear(a.k), v: linear(a.v), o: linear(a.o) };
      if (layer.ffn.kind === 'dense') {
        const { gate, up, down } = layer.ffn.mlp;
        return { attention, ffn: { kind: 'dense', gate: linear(gate), up: linear(up), down: linear(down) } };
      }
      const moe = kernels.bindMoeLayer(weights.config.routing, layer.ffn.moe);
      ops.push(moe);
      return { attention, ffn: { kind: 'moe', moe } };
    });
    return { layers, lmHead: linear(weights.lmHead), dispose };
  } catch (e) {
    // A tensor refused part-way: what was bound (device memory on CUDA) is released now, not at GC.
    dispose();
    throw e;
  }
}
