import { z } from 'zod';
import { answerReader } from '../answers/read';
import { tokensOf } from '../cost';
import { decodeFloat32, encodeFloat32 } from '../features/codec';
import type { PromptFeatures } from '../features/featurizer';
import { buildVocabulary, tfidf, vocabularyOf, type Vocabulary } from '../features/vocabulary';
import { labelMatrix } from '../learned/labels';
import { RecentMap } from '../recent';
import { logitOf, predictLogReg, sigmoid, trainLogReg, type LogRegModel, type LogRegOptions } from '../learned/logreg';

// FrugalGPT's answer scorer: P(this answer is right | the answer's own text). Hedging, giving up
// without a letter, or rambling far longer than usual all predict a wrong answer, for any prompt.
// One logistic regression per expert over the answer's TF-IDF terms, its length and whether it
// commits to a choice; combined with the prompt-only prediction at routing time.

export const ANSWER_CONFIDENCE_ARTIFACT = 'cascade-answer-confidence';

const DENSE = 2;

export const answerConfidenceSchema = z.object({
  experts: z.array(z.string()),
  terms: z.array(z.string()),
  idf: z.string(),
  /** experts × (terms + DENSE + 1) float32, base64. */
  weights: z.string(),
  /** Training base rate per expert as a logit: removed when combining with the prompt prediction. */
  baseLogit: z.array(z.number()),
});
export type AnswerConfidenceArtifact = z.infer<typeof answerConfidenceSchema>;

export const ANSWER_LOGREG_OPTIONS: LogRegOptions = { epochs: 4, learningRate: 0.05, l2: 1e-3, seed: 5 };

/** Answers longer than this are scored each time rather than kept. */
const KEPT_TEXT_CHARS = 20_000;

export class AnswerConfidence {
  private readonly indexOf: ReadonlyMap<string, number>;
  /** A route scores the same answers when its cascade looks ahead and when it votes. */
  private readonly recent = new RecentMap<string, number>(256);

  constructor(
    readonly vocab: Vocabulary,
    readonly experts: readonly string[],
    readonly weights: Float32Array,
    readonly baseLogit: readonly number[],
  ) {
    this.indexOf = new Map(experts.map((id, i) => [id, i]));
  }

  /**
   * P(correct) of an answer given both the prompt-only prediction and the answer text: the two
   * logits add (naive Bayes), minus the base rate both contain. Without a model for the expert,
   * the prompt-only prediction stands.
   */
  combined(expertId: string, text: string, stated: boolean, promptP: number): number {
    return sigmoid(this.textLogit(expertId, text, stated) + logitOf(promptP));
  }

  /** What the text alone (`stated`: it commits to an answer) adds to the expert's base-rate log-odds; 0 without a model for the expert. */
  textLogit(expertId: string, text: string, stated: boolean): number {
    const e = this.indexOf.get(expertId);
    if (e === undefined) return 0;
    if (text.length > KEPT_TEXT_CHARS) return this.scoreText(e, text, stated);
    return this.recent.remember(`${e} ${stated ? 1 : 0} ${text}`, () => this.scoreText(e, text, stated));
  }

  private scoreText(e: number, text: string, stated: boolean): number {
    const expertId = this.experts[e]!;
    const width = this.vocab.terms.length + DENSE + 1;
    const model: LogRegModel = {
      experts: [expertId],
      sparseDims: this.vocab.terms.length,
      denseDims: DENSE,
      weights: this.weights.subarray(e * width, (e + 1) * width),
    };
    const pa = predictLogReg(model, answerFeatures(text, stated, this.vocab))[0]!;
    return logitOf(pa) - this.baseLogit[e]!;
  }

  toArtifact(): AnswerConfidenceArtifact {
    return {
      experts: [...this.experts],
      terms: [...this.vocab.terms],
      idf: encodeFloat32(this.vocab.idf),
      weights: encodeFloat32(this.weights),
      baseLogit: [...this.baseLogit],
    };
  }

  static fromArtifact(data: unknown): AnswerConfidence {
    const a = answerConfidenceSchema.parse(data);
    const weights = decodeFloat32(a.weights);
    if (weights.length !== a.experts.length * (a.terms.length + DENSE + 1))
      throw new Error(`${ANSWER_CONFIDENCE_ARTIFACT}: weight count does not match its shape`);
    return new AnswerConfidence(vocabularyOf(a.terms, decodeFloat32(a.idf)), a.experts, weights, a.baseLogit);
  }
}

/** Answer text → features: TF-IDF terms, log length, and 1 when it commits to no answer. */
export function answerFeatures(text: string, stated: boolean, vocab: Vocabulary): PromptFeatures {
  const tokens = tokensOf(text);
  return { sparse: tfidf(text, vocab), dense: Float32Array.of(Math.log1p(tokens) / 5, stated ? 0 : 1), promptTokens: tokens };
}

export interface RecordedTexts {
  /** The question, which says how its answers are read (router/answers). */
  prompt: string;
  /** By expert id: the answer text and whether it was right; absent when not called. */
  outcomes: Readonly<Record<string, { correct: boolean; text?: string } | undefined>>;
}

export function trainAnswerConfidence(
  examples: readonly RecordedTexts[],
  experts: readonly string[],
  opts: LogRegOptions = ANSWER_LOGREG_OPTIONS,
): AnswerConfidence | null {
  const texts = examples.flatMap((x) => experts.map((id) => x.outcomes[id]?.text).filter((t): t is string => t !== undefined));
  if (texts.length === 0) return null;
  const vocab = buildVocabulary(texts, { minDf: 5, maxDfRatio: 0.9, maxTerms: 3000 });
  const width = vocab.terms.length + DENSE + 1;
  const weights = new Float32Array(experts.length * width);
  const baseLogit = experts.map((id, e) => {
    const rows = examples.filter((x) => x.outcomes[id]?.text !== undefined);
    if (rows.length === 0) return 0; // zero weights and a zero base: the prompt prediction stands
    const labels = labelMatrix(
      [id],
      rows.map((x) => x.outcomes),
    );
    const model = trainLogReg(
      rows.map((x) => answerFeatures(x.outcomes[id]!.text!, answerReader(x.prompt)(x.outcomes[id]!.text!) !== null, vocab)),
      labels,
      vocab.terms.length,
      opts,
    );
    weights.set(model.weights, e * width);
    const rate = (rows.filter((x) => x.outcomes[id]!.correct).length + 1) / (rows.length + 2);
    return logitOf(rate);
  });
  return new AnswerConfidence(vocab, experts, weights, baseLogit);
}
