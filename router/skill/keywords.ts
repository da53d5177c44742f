import type { Featurizer } from '../features/featurizer';
import type { SparseVector } from '../features/vocabulary';

// The fast local skill extractor: a query's skills are its highest-weighted TF-IDF terms among a
// keyword lexicon learned from the training prompts (topical words and bigrams, not numbers or
// words so rare that no expert profile could say anything about them).

export const KEYWORDS_PER_QUERY = 5;

export interface KeywordLexicon {
  keywords: readonly string[];
  /** Vocabulary index → keyword index, -1 when the term is not a keyword. */
  byTerm: Int32Array;
}

export interface LexiconOptions {
  /** A keyword must tag at least this many training prompts to have a meaningful profile. */
  minDf: number;
  /** Words in more than this share of prompts are not a skill. */
  maxDfRatio: number;
}

export const DEFAULT_LEXICON_OPTIONS: LexiconOptions = { minDf: 8, maxDfRatio: 0.08 };

export function lexiconOf(keywords: readonly string[], featurizer: Featurizer): KeywordLexicon {
  const byTerm = new Int32Array(featurizer.vocab.terms.length).fill(-1);
  keywords.forEach((k, i) => {
    const t = featurizer.vocab.index.get(k);
    if (t !== undefined) byTerm[t] = i;
  });
  return { keywords, byTerm };
}

/** Keyword candidates: vocabulary terms with a document frequency inside the options' band. */
export function learnLexicon(rows: readonly SparseVector[], featurizer: Featurizer, opts: LexiconOptions = DEFAULT_LEXICON_OPTIONS): KeywordLexicon {
  const df = new Int32Array(featurizer.vocab.terms.length);
  for (const r of rows) for (const i of r.idx) df[i]! += 1;
  const maxDf = opts.maxDfRatio * rows.length;
  const keywords = featurizer.vocab.terms.filter((t, i) => df[i]! >= opts.minDf && df[i]! <= maxDf && !t.includes('<num>'));
  return lexiconOf(keywords, featurizer);
}

/** Indices (into the lexicon) of the prompt's top keywords, strongest first. */
export function localKeywords(v: SparseVector, lexicon: KeywordLexicon, limit = KEYWORDS_PER_QUERY): number[] {
  const hits: { k: number; w: number }[] = [];
  for (let j = 0; j < v.idx.length; j++) {
    const k = lexicon.byTerm[v.idx[j]!]!;
    if (k >= 0) hits.push({ k, w: v.val[j]! });
  }
  return hits
    .sort((a, b) => b.w - a.w || a.k - b.k)
    .slice(0, limit)
    .map((h) => h.k);
}
