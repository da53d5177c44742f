import { answerReader } from '../answers/read';
import { trainAnswerConfidence } from '../cascade/answer-confidence';
import type { PromptFeatures } from '../features/featurizer';
import { seededRandom } from '../features/random';
import { kFolds, trainIndices } from '../eval/folds';
import { buildKnnIndex, type KnnOptions } from '../learned/knn';
import { baseRates, labelMatrix, type LabelMatrix } from '../learned/labels';
import { logitOf, trainLogReg, type LogRegOptions } from '../learned/logreg';
import { CorrectnessPredictor } from '../learned/predictor';
import { fitChoiceModel, type ChoiceGroup } from './fit';
import { ballotFeatures, type StackBallot, type VoteStackerArtifact } from './model';
import { fitOptionPrior, LETTERS, optionScores } from './options';

// Fits the stacked vote. Its inputs must look at training time as they will at routing time, so
// each training answer's prompt-only P and text score come from models fitted without that
// question (cross-fitting): fitted in-sample, the kNN sees the question itself and the vote would
// learn to trust predictions far more than they deserve.

export interface StackerTrainingOptions {
  /** Experts fitted one by one: the most accurate ones, which the presets call. */
  poolSize: number;
  /** Committees sampled per training question (random subsets of the pool). */
  committees: number;
  /** Inner folds of the cross-fit. */
  folds: number;
  epochs: number;
  learningRate: number;
  seed: number;
}

export const DEFAULT_STACKER_OPTIONS: StackerTrainingOptions = { poolSize: 7, committees: 8, folds: 3, epochs: 150, learningRate: 0.3, seed: 17 };

export interface StackerExample {
  prompt: string;
  outcomes: Readonly<Record<string, { correct: boolean; text?: string } | undefined>>;
}

/** What the shared prompt models were fitted with, so the inner fits match them. */
export interface PromptModelOptions {
  sparseDims: number;
  logreg: LogRegOptions;
  knn: KnnOptions;
  blend: number;
}

/** Null when no expert of the pool has recorded answer texts (history rows without them). */
export function trainVoteStacker(
  examples: readonly StackerExample[],
  features: readonly PromptFeatures[],
  labels: LabelMatrix,
  models: PromptModelOptions,
  opts: StackerTrainingOptions = DEFAULT_STACKER_OPTIONS,
): VoteStackerArtifact | null {
  const pool = poolOf(examples, labels, opts.poolSize);
  if (pool.length === 0) return null;
  const ballots = crossFitBallots(examples, features, pool, models, opts);
  const answers = examples.map(rightChoice);
  // Fitted in-sample: 12 weights over every option of thousands of questions do not overfit.
  const optionWeights = fitOptionPrior(
    examples.map((x) => x.prompt),
    answers,
  );
  const options = examples.map((x) => optionScores(x.prompt, optionWeights));
  return fitStacker(ballots, answers, options, optionWeights, pool, opts);
}

/** The most accurate experts among those with answer texts, at most `size`. */
function poolOf(examples: readonly StackerExample[], labels: LabelMatrix, size: number): string[] {
  const rates = baseRates(labels);
  const withTexts = (id: string) => examples.filter((x) => x.outcomes[id]?.text !== undefined).length >= 50;
  return labels.experts
    .map((id, e) => ({ id, rate: rates[e]! }))
    .filter((x) => withTexts(x.id))
    .sort((a, b) => b.rate - a.rate || (a.id < b.id ? -1 : 1))
    .slice(0, size)
    .map((x) => x.id);
}

/** The right answer's key, as the answers state it: the one most correct answers name. */
function rightChoice(x: StackerExample): string | null {
  const counts = new Map<string, number>();
  const read = answerReader(x.prompt);
  for (const o of Object.values(x.outcomes)) {
    if (!o?.correct || o.text === undefined) continue;
    const c = read(o.text);
    if (c) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let best: string | null = null;
  for (const [c, n] of counts) if (best === null || n > counts.get(best)!) best = c;
  return best;
}

/** Per question, the pool experts' answers with out-of-fold prompt and text scores (null: not called). */
function crossFitBallots(
  examples: readonly StackerExample[],
  features: readonly PromptFeatures[],
  pool: readonly string[],
  models: PromptModelOptions,
  opts: StackerTrainingOptions,
): (StackBallot | null)[][] {
  const out: (StackBallot | null)[][] = examples.map(() => pool.map(() => null));
  for (const test of kFolds(examples.length, opts.folds, opts.seed)) {
    const fit = trainIndices(examples.length, test);
    const fitLabels = labelMatrix(
      pool,
      fit.map((i) => examples[i]!.outcomes),
    );
    const fitFeatures = fit.map((i) => features[i]!);
    const predictor = new CorrectnessPredictor(
      trainLogReg(fitFeatures, fitLabels, models.sparseDims, models.logreg),
      buildKnnIndex(fitFeatures, fitLabels),
      models.knn,
      models.blend,
    );
    const confidence = trainAnswerConfidence(
      fit.map((i) => examples[i]!),
      pool,
    );
    for (const i of test) {
      const p = predictor.predict(features[i]!, pool);
      const read = answerReader(examples[i]!.prompt);
      pool.forEach((id, e) => {
        const text = examples[i]!.outcomes[id]?.text;
        if (text === undefined) return;
        const choice = read(text);
        out[i]![e] = { expertId: id, choice, promptLogit: logitOf(p.get(id)!), textLogit: confidence?.textLogit(id, text, choice !== null) ?? 0 };
      });
    }
  }
  return out;
}

// Parameter layout: per pool expert [bias, prompt, text, textSure, both, missing, presence], then
// the "none of them" bias, one prior per letter, and the scale of the option prior's score.
const PER_EXPERT = 7;

function committeeOf(ballots: readonly StackBallot[], answer: string | null, options: readonly number[], pool: readonly string[]): ChoiceGroup {
  const otherAt = pool.length * PER_EXPERT;
  const letterAt = otherAt + 1;
  const optionAt = letterAt + LETTERS.length;
  const byChoice = new Map<string, [number, number][]>();
  const other: [number, number][] = [[otherAt, 1]];
  for (const b of ballots) {
    const at = pool.indexOf(b.expertId) * PER_EXPERT;
    other.push([at + 6, 1]);
    if (b.choice === null) {
      other.push([at + 5, 1]);
      continue;
    }
    // The letter prior and the option prior exist only where the prompt lists options.
    const letter = options.length ? LETTERS.indexOf(b.choice) : -1;
    const terms =
      byChoice.get(b.choice) ??
      (letter < 0
        ? []
        : [
            [letterAt + letter, 1],
            [optionAt, options[letter] ?? 0],
          ]);
    ballotFeatures(b).forEach((x, i) => terms.push([at + i, x]));
    byChoice.set(b.choice, terms);
  }
  const choices = [...byChoice.keys()];
  const right = answer !== null && byChoice.has(answer) ? choices.indexOf(answer) : choices.length;
  return { candidates: [...choices.map((c) => byChoice.get(c)!), other], right };
}

/** Fits the stacked vote over random committees of each question's answers. */
function fitStacker(
  ballots: readonly (StackBallot | null)[][],
  answers: readonly (string | null)[],
  options: readonly number[][],
  optionWeights: number[],
  pool: readonly string[],
  opts: StackerTrainingOptions,
): VoteStackerArtifact {
  const rand = seededRandom(opts.seed);
  const committees: ChoiceGroup[] = [];
  ballots.forEach((row, i) => {
    const present = row.filter((b): b is StackBallot => b !== null);
    if (present.length === 0) return;
    for (let c = 0; c < opts.committees; c++) {
      const subset = present.filter(() => rand() < 0.5);
      if (subset.length > 0) committees.push(committeeOf(subset, answers[i]!, options[i]!, pool));
    }
  });
  const dims = pool.length * PER_EXPERT + 1 + LETTERS.length + 1;
  const init = new Float64Array(dims);
  for (let e = 0; e < pool.length; e++) init[e * PER_EXPERT] = 1;
  const w = fitChoiceModel(committees, dims, { epochs: opts.epochs, learningRate: opts.learningRate, shrink: 1e-4, init });
  const round = (x: number) => Math.round(x * 1e5) / 1e5;
  const otherAt = pool.length * PER_EXPERT;
  return {
    experts: Object.fromEntries(
      pool.map((id, e) => {
        const at = e * PER_EXPERT;
        return [
          id,
          {
            bias: round(w[at]!),
            prompt: round(w[at + 1]!),
            text: round(w[at + 2]!),
            textSure: round(w[at + 3]!),
            both: round(w[at + 4]!),
            missing: round(w[at + 5]!),
            presence: round(w[at + 6]!),
          },
        ];
      }),
    ),
    otherBias: round(w[otherAt]!),
    letterPrior: [...LETTERS].map((_, l) => round(w[otherAt + 1 + l]!)),
    options: { weights: optionWeights, scale: round(w[otherAt + 1 + LETTERS.length]!) },
  };
}
