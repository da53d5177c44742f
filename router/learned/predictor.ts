import { z } from 'zod';
import { decodeFloat32, dequantizeInt8, encodeFloat32, quantizeInt8, base64ToBytes, bytesToBase64 } from '../features/codec';
import type { PromptFeatures } from '../features/featurizer';
import { predictKnn, type KnnIndex, type KnnOptions } from './knn';
import { baseRates } from './labels';
import { predictLogReg, type LogRegModel } from './logreg';

// P(expert answers correctly | prompt): a blend of the per-expert logistic regressions and the
// similarity-weighted kNN. The two err differently (global linear fit vs. local neighbourhood),
// so their average beats either on held-out log-loss.

export const CORRECTNESS_ARTIFACT = 'learned-correctness';

export const correctnessArtifactSchema = z.object({
  experts: z.array(z.string()),
  /** Weight of the logistic regression; the kNN gets the rest. */
  blend: z.number().min(0).max(1),
  logreg: z.object({ sparseDims: z.number().int(), denseDims: z.number().int(), weights: z.string() }),
  knn: z.object({
    rows: z.number().int(),
    dims: z.number().int(),
    embeddings: z.object({ scale: z.number(), data: z.string() }),
    /** rows × experts int8 (1, 0, -1 unknown), base64. */
    labels: z.string(),
    neighbours: z.number().int().positive(),
    temperature: z.number().positive(),
    priorWeight: z.number().nonnegative(),
  }),
});
export type CorrectnessArtifact = z.infer<typeof correctnessArtifactSchema>;

export class CorrectnessPredictor {
  private readonly indexOf: ReadonlyMap<string, number>;
  /** Used for experts the models never saw (registered after training). */
  readonly coldStart: number;

  constructor(
    readonly logreg: LogRegModel,
    readonly knn: KnnIndex,
    readonly knnOptions: KnnOptions,
    readonly blend: number,
  ) {
    this.indexOf = new Map(logreg.experts.map((id, i) => [id, i]));
    const rates = [...knn.baseRate].sort((a, b) => a - b);
    this.coldStart = rates[Math.floor(rates.length / 2)] ?? 0.5;
  }

  get experts(): readonly string[] {
    return this.logreg.experts;
  }

  /** P(correct) per known expert, in `experts` order. */
  predictAll(f: PromptFeatures): Float64Array {
    const a = predictLogReg(this.logreg, f);
    if (this.blend >= 1) return a;
    const b = predictKnn(this.knn, f, this.knnOptions);
    return a.map((p, e) => this.blend * p + (1 - this.blend) * b[e]!);
  }

  /** P(correct) for the given experts; unknown ones get the cold-start prior. */
  predict(f: PromptFeatures, expertIds: readonly string[]): Map<string, number> {
    const all = this.predictAll(f);
    return new Map(expertIds.map((id) => [id, all[this.indexOf.get(id) ?? -1] ?? this.coldStart]));
  }

  toArtifact(): CorrectnessArtifact {
    const bytes = new Uint8Array(this.knn.labels.values.buffer, this.knn.labels.values.byteOffset, this.knn.labels.values.byteLength);
    return {
      experts: [...this.experts],
      blend: this.blend,
      logreg: { sparseDims: this.logreg.sparseDims, denseDims: this.logreg.denseDims, weights: encodeFloat32(this.logreg.weights) },
      knn: { rows: this.knn.labels.rows, dims: this.knn.dims, embeddings: quantizeInt8(this.knn.embeddings), labels: bytesToBase64(bytes), ...this.knnOptions },
    };
  }

  static fromArtifact(data: unknown): CorrectnessPredictor {
    const a = correctnessArtifactSchema.parse(data);
    const weights = decodeFloat32(a.logreg.weights);
    if (weights.length !== a.experts.length * (a.logreg.sparseDims + a.logreg.denseDims + 1))
      throw new Error(`${CORRECTNESS_ARTIFACT}: weight count does not match its shape`);
    const bytes = base64ToBytes(a.knn.labels);
    const labels = { experts: a.experts, rows: a.knn.rows, values: new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    if (labels.values.length !== a.knn.rows * a.experts.length) throw new Error(`${CORRECTNESS_ARTIFACT}: label count does not match its shape`);
    const knn: KnnIndex = { dims: a.knn.dims, embeddings: dequantizeInt8(a.knn.embeddings), labels, baseRate: baseRates(labels) };
    const { neighbours, temperature, priorWeight } = a.knn;
    return new CorrectnessPredictor(
      { experts: a.experts, sparseDims: a.logreg.sparseDims, denseDims: a.logreg.denseDims, weights },
      knn,
      { neighbours, temperature, priorWeight },
      a.blend,
    );
  }
}
