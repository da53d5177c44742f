// Contract of the native sparse-MoE layer (gpu-service/native) as seen from TypeScript. The serving
// code (model loading, generation) depends only on this file and `./index.ts`.

export type DType = 'bf16' | 'f16' | 'f32';

/** Raw tensor bytes, row-major; `data` may be a view into a memory-mapped safetensors file. */
export interface Tensor {
  dtype: DType;
  shape: number[];
  data: Uint8Array;
}

export type MoeFamily = 'mixtral' | 'qwen2_moe' | 'qwen3_moe' | 'olmoe' | 'deepseek_v2' | 'deepseek_v3';

/** Routing semantics of one family's MoE block, read from its config.json. */
export interface MoeRouting {
  family: MoeFamily;
  numExperts: number;
  topK: number;
  /** softmax for all but DeepSeek-V3 (sigmoid). */
  scoring: 'softmax' | 'sigmoid';
  /** Renormalise the top-k weights to sum to 1 (Mixtral always; DeepSeek only when topK > 1, as its gates do). */
  normTopkProb: boolean;
  /** Multiplies the routed weights (DeepSeek-V3 always, DeepSeek-V2 only when not renormalised); 1 elsewhere. */
  routedScalingFactor: number;
  /** Group-limited selection (DeepSeek): experts split into nGroup groups, topkGroup kept. 1/1 = off. */
  nGroup: number;
  topkGroup: number;
}

export type ExpertWeights =
  /** One tensor per expert: gate/up [I,H], down [H,I] (Mixtral w1/w3/w2, Qwen/OLMoE gate_proj/up_proj/down_proj). */
  | { layout: 'per-expert'; gate: Tensor[]; up: Tensor[]; down: Tensor[] }
  /** Packed: gateUp [E,2I,H] (gate rows first, then up), down [E,H,I]. */
  | { layout: 'packed'; gateUp: Tensor; down: Tensor };

export interface SharedExpertWeights {
  gate: Tensor; // [Is,H]
  up: Tensor; // [Is,H]
  down: Tensor; // [H,Is]
  /** Qwen2-MoE: output scaled by sigmoid(x·sharedGate), sharedGate [1,H]. Absent for DeepSeek. */
  sharedGate?: Tensor;
}

export interface MoeLayerWeights {
  /** Router weight W_gate [E,H]. */
  router: Tensor;
  /** DeepSeek-V3 `e_score_correction_bias` [E] (f32): added for selection only, not to the weights. */
  scoreCorrectionBias?: Tensor;
  experts: ExpertWeights;
  shared?: SharedExpertWeights;
}

export interface MoeForwardResult {
  /** [T,H] */
  y: Float32Array;
  /** [T,topK] selected expert per token, in descending score order: the expert-activation trace. */
  topkIds: Int32Array;
  /** [T,topK] the weights applied to those experts. */
  topkWeights: Float32Array;
}

export type MoeDevice = 'cpu' | 'cuda';

/** CPU kernel families, lowest to highest; each implies the ones before it. */
export type CpuIsa = 'portable' | 'avx2' | 'avx512' | 'avx512bf16' | 'amx';

export interface BindOptions {
  /** Overrides CONCLAVE_MOE_DEVICE and the automatic choice (CUDA when usable). */
  device?: MoeDevice;
}

export interface LinearBindOptions extends BindOptions {
  /**
   * CPU, bf16 weights on an AVX512-BF16 CPU: repack W once, now, into the panel kernel's layout,
   * which every call then reads (default true; the mapped rows' pages are handed back). `false`
   * keeps the kernels that read W's rows as stored: one-shot calls, which would pay a whole extra
   * pass over W to pack it.
   */
  repack?: boolean;
}

export interface CallOptions {
  /** Caps the CPU kernels at this ISA (default: the best the CPU has, or CONCLAVE_MOE_ISA). */
  cpuIsa?: CpuIsa;
}

export interface MoeCallOptions extends CallOptions {
  /**
   * Ascending distinct token indices: only these tokens go through the experts and get rows of y, the
   * others' rows are zero; every token is still routed (topkIds/topkWeights for all T). The last layer
   * of a prefill needs only each sequence's last row (llama.cpp's `out_ids`). Default: every token.
   */
  outputTokens?: Int32Array;
}

export type MoeForwardOptions = BindOptions & MoeCallOptions;

/** Weights bound once (validated; on CUDA uploaded); calls pass only activations. */
interface BoundOp<R, O extends CallOptions = CallOptions> {
  /** Where forward() runs, fixed when bound. */
  readonly device: MoeDevice;
  forward(x: Float32Array, tokens: number, opts?: O): R;
  /** Frees device memory and the hold on the weight buffers now; forward() then throws. */
  dispose(): void;
}

/** A bound MoE layer (bindMoeLayer): forward(x [T,H], T). */
export type MoeLayerOp = BoundOp<MoeForwardResult, MoeCallOptions>;

/** A bound weight matrix W [N,K] (bindLinear): forward(x [T,K], T) = x · Wᵀ [T,N]. */
export type LinearOp = BoundOp<Float32Array>;

/** One sequence's new query rows against its key/value cache (see `attention` in index.ts). */
export interface AttentionShape {
  /** New query rows; row j is at position start + j and sees positions 0..start + j. */
  rows: number;
  /** Positions in the cache before these rows. */
  start: number;
  heads: number;
  /** Key/value heads: heads / kvHeads query heads share each (grouped-query attention). */
  kvHeads: number;
  headDim: number;
  /** Factor on every q · k (1 / sqrt(headDim) in the supported families). */
  scale: number;
}

/** What the native addon found on this machine. */
export interface DeviceInfo {
  cpu: {
    bestIsa: CpuIsa;
    defaultIsa: CpuIsa;
    /** Every ISA level usable here, portable first. */
    isas: CpuIsa[];
    features: string[];
    /** Why AMX is off although the CPU has it. */
    amxNote?: string;
    threads: number;
  };
  cuda: {
    compiled: boolean;
    available: boolean;
    name?: string;
    /** Compute capability, e.g. 90 for an H100. */
    sm?: number;
    memoryBytes?: number;
    /** Dense bf16 tensor-core peak from SM count x clock x per-SM rate (datasheet rate, not measured). */
    peakBf16Gflops?: number;
    /** Device memory the addon holds now: bound weights and scratch. */
    allocatedBytes?: number;
    /** Why CUDA is not available. */
    reason?: string;
  };
}
