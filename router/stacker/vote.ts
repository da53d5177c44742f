import { answerReader } from '../answers/read';
import type { ArtifactSet } from '../artifacts';
import { ANSWER_CONFIDENCE_ARTIFACT, AnswerConfidence } from '../cascade/answer-confidence';
import { logitOf } from '../learned/logreg';
import { loadRouterModels, parseArtifact, type RouterModels } from '../learned/models';
import { RecentMap } from '../recent';
import type { Candidate } from '../types';
import { VOTE_STACKER_ARTIFACT, VoteStacker, type StackBallot, type StackedOutcome } from './model';
import { optionScores } from './options';

// The stacked vote over live or recorded answers: turns each answer into a ballot (its choice,
// the prompt-only P of its expert, what its text says) and lets the fitted stacker count them.
// Shared by the `stacked-vote` aggregator, the cascade's stopping rule and the offline replay.

export interface StackAnswer {
  expertId: string;
  /** The key of the answer it commits to (a letter for multiple choice), or null. */
  choice: string | null;
  text: string;
}

/** Live answers as the stacked vote reads them: each with the answer its text commits to (router/answers). */
export function stackAnswersOf(prompt: string, answers: readonly { expertId: string; text: string }[]): StackAnswer[] {
  const read = answerReader(prompt);
  return answers.map((a) => ({ expertId: a.expertId, choice: read(a.text), text: a.text }));
}

/** P(correct | prompt) per expert when the caller already has it (the routing decision's). */
export type PromptP = (expertId: string) => number | undefined;

/** The P(correct) a strategy attached to its candidates (`detail.p`), where it did. */
export function promptPOf(candidates: readonly Candidate[]): PromptP {
  const p = new Map(candidates.flatMap((c) => (typeof c.detail?.['p'] === 'number' ? [[c.expertId, c.detail['p']] as const] : [])));
  return (id) => p.get(id);
}

export class StackedVote {
  /** A route asks for its prompt's option scores when its cascade looks ahead and when it votes. */
  private readonly recentOptionScores = new RecentMap<string, readonly number[]>(16);

  constructor(
    readonly stacker: VoteStacker,
    private readonly confidence: AnswerConfidence | null,
    private readonly models: RouterModels | null,
  ) {}

  /** Null when the artifacts hold no stacker (history without answer texts, nothing seeded). */
  static load(artifacts: ArtifactSet): StackedVote | null {
    const record = artifacts.get(VOTE_STACKER_ARTIFACT);
    if (!record) return null;
    const confidence = artifacts.get(ANSWER_CONFIDENCE_ARTIFACT);
    return new StackedVote(
      parseArtifact(record, VoteStacker.fromArtifact),
      confidence ? parseArtifact(confidence, AnswerConfidence.fromArtifact) : null,
      loadRouterModels(artifacts),
    );
  }

  ballots(prompt: string, answers: readonly StackAnswer[], known: PromptP = () => undefined): StackBallot[] {
    let computed: Map<string, number> | null = null;
    const promptP = (id: string): number => {
      const p = known(id);
      if (p !== undefined) return p;
      // Strategies without a correctness prediction (skill, fixed, all): compute it once here.
      if (!this.models) return 0.5;
      computed ??= this.models.predictor.predict(
        this.models.featurizer.features(prompt),
        answers.map((a) => a.expertId),
      );
      return computed.get(id) ?? this.models.predictor.coldStart;
    };
    // What the text says is read from the text itself: a ballot's choice may be a recorded pred (the evaluation's default).
    const read = answerReader(prompt);
    return answers.map((a) => ({
      expertId: a.expertId,
      choice: a.choice,
      promptLogit: logitOf(promptP(a.expertId)),
      textLogit: this.confidence?.textLogit(a.expertId, a.text, read(a.text) !== null) ?? 0,
    }));
  }

  decide(prompt: string, answers: readonly StackAnswer[], known?: PromptP): StackedOutcome {
    return this.stacker.decide(this.ballots(prompt, answers, known), this.optionScores(prompt));
  }

  /** The fitted option prior's score per option of the prompt (options.ts); empty without options. */
  optionScores(prompt: string): readonly number[] {
    return this.recentOptionScores.remember(prompt, () => optionScores(prompt, this.stacker.artifact.options.weights));
  }
}
