import { terms } from './tokenize';

// TF-IDF over a vocabulary learned from training prompts. Vectors are sparse and L2-normalised, so
// a dot product is a cosine similarity.

export interface SparseVector {
  /** Vocabulary indices, ascending. */
  idx: Int32Array;
  val: Float32Array;
}

export interface Vocabulary {
  terms: readonly string[];
  idf: Float32Array;
  index: ReadonlyMap<string, number>;
}

export interface VocabularyOptions {
  /** A term must occur in at least this many training prompts. */
  minDf: number;
  /** Terms in more than this share of prompts say nothing about the prompt. */
  maxDfRatio: number;
  /** Keep the most frequent terms up to this size (bounds artifact size and routing time). */
  maxTerms: number;
}

export const DEFAULT_VOCABULARY_OPTIONS: VocabularyOptions = { minDf: 3, maxDfRatio: 0.5, maxTerms: 6000 };

export function buildVocabulary(texts: readonly string[], opts: VocabularyOptions = DEFAULT_VOCABULARY_OPTIONS): Vocabulary {
  const df = new Map<string, number>();
  for (const text of texts) for (const t of new Set(terms(text))) df.set(t, (df.get(t) ?? 0) + 1);
  const maxDf = opts.maxDfRatio * texts.length;
  const kept = [...df]
    .filter(([, n]) => n >= opts.minDf && n <= maxDf)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, opts.maxTerms)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const idf = Float32Array.from(kept, ([, n]) => Math.log((1 + texts.length) / (1 + n)) + 1);
  return vocabularyOf(
    kept.map(([t]) => t),
    idf,
  );
}

export function vocabularyOf(termList: readonly string[], idf: Float32Array): Vocabulary {
  return { terms: termList, idf, index: new Map(termList.map((t, i) => [t, i])) };
}

/** Sublinear-tf TF-IDF, L2-normalised; terms outside the vocabulary are ignored. */
export function tfidf(text: string, vocab: Vocabulary): SparseVector {
  const counts = new Map<number, number>();
  for (const t of terms(text)) {
    const i = vocab.index.get(t);
    if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1);
  }
  const idx = Int32Array.from([...counts.keys()].sort((a, b) => a - b));
  const val = new Float32Array(idx.length);
  let norm = 0;
  idx.forEach((i, j) => {
    const v = (1 + Math.log(counts.get(i)!)) * vocab.idf[i]!;
    val[j] = v;
    norm += v * v;
  });
  norm = Math.sqrt(norm) || 1;
  for (let j = 0; j < val.length; j++) val[j] = val[j]! / norm;
  return { idx, val };
}
