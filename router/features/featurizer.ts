import { z } from 'zod';
import { tokensOf } from '../cost';
import { decodeFloat32, dequantizeInt8, encodeFloat32, quantizeInt8 } from './codec';
import { embed, fitProjection, type Projection } from './projection';
import { buildVocabulary, DEFAULT_VOCABULARY_OPTIONS, tfidf, vocabularyOf, type SparseVector, type Vocabulary, type VocabularyOptions } from './vocabulary';

// The one text featurisation every trained router shares: TF-IDF terms plus their LSA embedding.

export interface PromptFeatures {
  sparse: SparseVector;
  /** L2-normalised LSA embedding. */
  dense: Float32Array;
  promptTokens: number;
}

export const FEATURES_ARTIFACT = 'router-features';

export const featurizerArtifactSchema = z.object({
  terms: z.array(z.string()),
  /** base64 float32 */
  idf: z.string(),
  dims: z.number().int().positive(),
  projection: z.object({ scale: z.number(), data: z.string() }),
});
export type FeaturizerArtifact = z.infer<typeof featurizerArtifactSchema>;

export class Featurizer {
  // A request is routed by several strategies (and the cascade re-scores it); one prompt is
  // featurised once.
  private lastPrompt: string | null = null;
  private lastFeatures: PromptFeatures | null = null;

  constructor(
    readonly vocab: Vocabulary,
    readonly projection: Projection,
  ) {}

  get dims(): number {
    return this.projection.dims;
  }

  features(prompt: string): PromptFeatures {
    if (prompt === this.lastPrompt && this.lastFeatures) return this.lastFeatures;
    const sparse = tfidf(prompt, this.vocab);
    const features = { sparse, dense: embed(sparse, this.projection), promptTokens: tokensOf(prompt) };
    this.lastPrompt = prompt;
    this.lastFeatures = features;
    return features;
  }

  toArtifact(): FeaturizerArtifact {
    return {
      terms: [...this.vocab.terms],
      idf: encodeFloat32(this.vocab.idf),
      dims: this.projection.dims,
      projection: quantizeInt8(this.projection.matrix),
    };
  }

  static fromArtifact(data: unknown): Featurizer {
    const a = featurizerArtifactSchema.parse(data);
    const matrix = dequantizeInt8(a.projection);
    if (matrix.length !== a.terms.length * a.dims)
      throw new Error(`${FEATURES_ARTIFACT}: projection has ${matrix.length} values, expected ${a.terms.length}×${a.dims}`);
    return new Featurizer(vocabularyOf(a.terms, decodeFloat32(a.idf)), { terms: a.terms.length, dims: a.dims, matrix });
  }
}

export interface FeaturizerOptions {
  vocabulary: VocabularyOptions;
  dims: number;
  seed: number;
}

export const DEFAULT_FEATURIZER_OPTIONS: FeaturizerOptions = { vocabulary: DEFAULT_VOCABULARY_OPTIONS, dims: 48, seed: 7 };

export function fitFeaturizer(prompts: readonly string[], opts: FeaturizerOptions = DEFAULT_FEATURIZER_OPTIONS): Featurizer {
  const vocab = buildVocabulary(prompts, opts.vocabulary);
  const rows = prompts.map((p) => tfidf(p, vocab));
  return new Featurizer(vocab, fitProjection(rows, vocab.terms.length, opts.dims, opts.seed));
}
