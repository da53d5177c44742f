import type { ArtifactRecord } from './artifacts';
import { DEFAULT_EXPECTED_OUTPUT_TOKENS, tokensOf, type Prices } from './cost';
import { DEFAULT_FEATURIZER_OPTIONS, FEATURES_ARTIFACT, fitFeaturizer, type FeaturizerOptions, type PromptFeatures } from './features/featurizer';
import { EXPERT_STATS_ARTIFACT, type ExpertStats } from './learned/expert-stats';
import { buildKnnIndex, DEFAULT_KNN_OPTIONS, type KnnOptions } from './learned/knn';
import { baseRates, labelMatrix, type LabelMatrix } from './learned/labels';
import { DEFAULT_LOGREG_OPTIONS, trainLogReg, type LogRegOptions } from './learned/logreg';
import { CORRECTNESS_ARTIFACT, CorrectnessPredictor } from './learned/predictor';
import { BANDIT_ARTIFACT, banditToArtifact } from './bandit/linucb';
import { warmStartBandit } from './bandit/warm-start';
import { AGREEMENT_LADDER_ARTIFACT, trainAgreementLadders } from './cascade/agreement-ladder';
import { ANSWER_CONFIDENCE_ARTIFACT, trainAnswerConfidence } from './cascade/answer-confidence';
import { learnLexicon, localKeywords } from './skill/keywords';
import { SKILL_ARTIFACT, trainSkillProfiles } from './skill/profiles';
import { VOTE_STACKER_ARTIFACT } from './stacker/model';
import { trainVoteStacker } from './stacker/train';

// Trains every router artifact from recorded outcomes. Pure: `npm start` seeds D1 with what it
// returns for the shipped training split, and the Worker's cron calls it with routing-history rows.

export interface TrainingOutcome {
  correct: boolean;
  /** What the call cost, when the history has it and the answer text does not come with it. */
  costUsd?: number;
  /** The expert's answer (expected output length, answer-confidence features). */
  text?: string;
}

export interface TrainingExample {
  prompt: string;
  /** By expert id; an expert that was not called is simply absent. */
  outcomes: Readonly<Record<string, TrainingOutcome>>;
}

export interface TrainOptions {
  version: number;
  createdAt: string;
  /** Prices by expert id: turn a recorded costUsd into output tokens when no text was kept, and cost the agreement ladders' calls. */
  prices?: ReadonlyMap<string, Prices>;
  featurizer: FeaturizerOptions;
  logreg: LogRegOptions;
  knn: KnnOptions;
  /** Weight of the logistic regression in the correctness blend (kNN gets the rest). */
  blend: number;
}

// Chosen by 5-fold cross-validation on the dev split (docs/routing.md).
export const DEFAULT_TRAIN_OPTIONS: Omit<TrainOptions, 'version' | 'createdAt'> = {
  featurizer: DEFAULT_FEATURIZER_OPTIONS,
  logreg: DEFAULT_LOGREG_OPTIONS,
  knn: DEFAULT_KNN_OPTIONS,
  blend: 0.5,
};

/** Everything a trainer derives once and every artifact builder reads. */
export interface TrainingSet {
  examples: readonly TrainingExample[];
  experts: readonly string[];
  features: PromptFeatures[];
  labels: LabelMatrix;
}

export function train(examples: readonly TrainingExample[], options: Partial<TrainOptions> = {}): ArtifactRecord[] {
  const opts: TrainOptions = { version: 1, createdAt: new Date().toISOString(), ...DEFAULT_TRAIN_OPTIONS, ...options };
  if (examples.length === 0) throw new Error('train: no examples');
  const featurizer = fitFeaturizer(
    examples.map((x) => x.prompt),
    opts.featurizer,
  );
  const experts = [...new Set(examples.flatMap((x) => Object.keys(x.outcomes)))].sort();
  const set: TrainingSet = {
    examples,
    experts,
    features: examples.map((x) => featurizer.features(x.prompt)),
    labels: labelMatrix(
      experts,
      examples.map((x) => x.outcomes),
    ),
  };
  const predictor = new CorrectnessPredictor(
    trainLogReg(set.features, set.labels, featurizer.vocab.terms.length, opts.logreg),
    buildKnnIndex(set.features, set.labels),
    opts.knn,
    opts.blend,
  );
  const lexicon = learnLexicon(
    set.features.map((f) => f.sparse),
    featurizer,
  );
  const skills = trainSkillProfiles(
    set.features.map((f) => localKeywords(f.sparse, lexicon)),
    set.labels,
    lexicon.keywords,
  );
  const confidence = trainAnswerConfidence(examples, experts);
  const stacker = trainVoteStacker(examples, set.features, set.labels, {
    sparseDims: featurizer.vocab.terms.length,
    logreg: opts.logreg,
    knn: opts.knn,
    blend: opts.blend,
  });
  const ladders = trainAgreementLadders(examples, opts.prices);
  const record = (name: string, data: unknown): ArtifactRecord => ({ name, version: opts.version, createdAt: opts.createdAt, data });
  return [
    record(FEATURES_ARTIFACT, featurizer.toArtifact()),
    record(CORRECTNESS_ARTIFACT, predictor.toArtifact()),
    record(EXPERT_STATS_ARTIFACT, expertStats(set, opts.prices)),
    record(SKILL_ARTIFACT, skills.toArtifact()),
    record(BANDIT_ARTIFACT, banditToArtifact(warmStartBandit(set.features, set.labels))),
    // History rows without answer texts train no answer scorer; the cascade then uses the prompt alone.
    ...(confidence ? [record(ANSWER_CONFIDENCE_ARTIFACT, confidence.toArtifact())] : []),
    ...(stacker ? [record(VOTE_STACKER_ARTIFACT, stacker)] : []),
    // Without answer texts and call costs (prices or recorded costUsd) no ladder can be replayed.
    ...(ladders ? [record(AGREEMENT_LADDER_ARTIFACT, ladders)] : []),
  ];
}

function expertStats(set: TrainingSet, prices: ReadonlyMap<string, Prices> | undefined): ExpertStats {
  const rates = baseRates(set.labels);
  return {
    experts: set.experts.map((id, e) => {
      let tokens = 0;
      let measured = 0;
      let answered = 0;
      for (const x of set.examples) {
        const o = x.outcomes[id];
        if (!o) continue;
        answered++;
        const out = outputTokens(x.prompt, o, prices?.get(id));
        if (out === null) continue;
        tokens += out;
        measured++;
      }
      return { id, meanOutputTokens: measured ? tokens / measured : DEFAULT_EXPECTED_OUTPUT_TOKENS, accuracy: rates[e]!, answered };
    }),
    meanPromptTokens: set.features.reduce((s, f) => s + f.promptTokens, 0) / set.features.length,
  };
}

function outputTokens(prompt: string, o: TrainingOutcome, prices: Prices | undefined): number | null {
  if (o.text !== undefined) return tokensOf(o.text);
  if (o.costUsd === undefined || !prices || prices.outputPricePerMTok <= 0) return null;
  return Math.max(0, (o.costUsd * 1e6 - tokensOf(prompt) * prices.inputPricePerMTok) / prices.outputPricePerMTok);
}
