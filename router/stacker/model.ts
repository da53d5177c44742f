import { z } from 'zod';
import { LETTERS, OPTION_FEATURES } from './options';

// The stacked vote: a conditional-logit model over the choices the answers name, fitted on
// recorded outcomes. Each answer adds to its choice a score of its own — a bias per expert plus
// learned multiples of its prompt-only log-odds and of what its own text says (the answer scorer's
// log-odds minus the expert's base rate; its positive part and its product with the prompt's
// separately) — a learned prior per letter, and what the options' own texts say about each
// (options.ts). "None of the named
// choices" is one more candidate whose score grows with who answered (and who gave no letter).
// Unlike the naive-Bayes vote, how much to trust each signal of each expert is learned, which is
// what lifts the quality preset from 73.9% to 75.5% on the dev split (docs/routing.md).

export const VOTE_STACKER_ARTIFACT = 'vote-stacker';

const paramsSchema = z.object({
  bias: z.number(),
  prompt: z.number(),
  text: z.number(),
  /** Times the text's log-odds where positive: a sure-sounding answer counts more than a doubtful one counts against. */
  textSure: z.number(),
  /** Times prompt × text log-odds / 4: the two signals agreeing. */
  both: z.number(),
  /** Added to "none of them" when this expert answered without a letter. */
  missing: z.number(),
  /** Added to "none of them" when this expert answered at all. */
  presence: z.number(),
});
export type StackerParams = z.infer<typeof paramsSchema>;

export const voteStackerSchema = z.object({
  experts: z.record(z.string(), paramsSchema),
  /** Score of "none of the named choices" before any answer. */
  otherBias: z.number(),
  /** Prior score per letter A–J. */
  letterPrior: z.array(z.number()).length(LETTERS.length),
  /** The option prior (options.ts) and how much of its score a named letter gets. */
  options: z.object({ weights: z.array(z.number()).length(OPTION_FEATURES), scale: z.number() }),
});
export type VoteStackerArtifact = z.infer<typeof voteStackerSchema>;

/** One answer as the stacked vote sees it. */
export interface StackBallot {
  expertId: string;
  choice: string | null;
  /** logit P(correct | prompt) of this expert for this prompt. */
  promptLogit: number;
  /** logit P(correct | its text) minus the expert's base-rate logit; 0 without an answer scorer. */
  textLogit: number;
}

export interface StackedOutcome {
  /** The most likely named choice; null when no answer named one. */
  choice: string | null;
  /** P(choice is right), "none of them" included in the normaliser. */
  p: number;
  /** Score per named choice. */
  scores: Record<string, number>;
  /** The answer contributing most to the chosen choice (its text is the response). */
  champion: string | null;
}

/** The parameters an answer's score multiplies, in the order of `ballotFeatures`. */
export const BALLOT_PARAMS = ['bias', 'prompt', 'text', 'textSure', 'both'] as const satisfies readonly (keyof StackerParams)[];

/** What an answer brings to its choice, one value per BALLOT_PARAMS entry (fitting uses the same). */
export function ballotFeatures(b: StackBallot): number[] {
  return [1, b.promptLogit, b.textLogit, Math.max(0, b.textLogit), (b.promptLogit * b.textLogit) / 4];
}

export class VoteStacker {
  /** Parameters for an expert the stacker was not fitted on: the mean of the fitted ones. */
  readonly fallback: StackerParams;

  constructor(readonly artifact: VoteStackerArtifact) {
    const all = Object.values(artifact.experts);
    const mean = (key: keyof StackerParams) => (all.length ? all.reduce((s, p) => s + p[key], 0) / all.length : key === 'prompt' || key === 'text' ? 1 : 0);
    this.fallback = {
      bias: mean('bias'),
      prompt: mean('prompt'),
      text: mean('text'),
      textSure: mean('textSure'),
      both: mean('both'),
      missing: mean('missing'),
      presence: mean('presence'),
    };
  }

  params(expertId: string): StackerParams {
    return this.artifact.experts[expertId] ?? this.fallback;
  }

  /** The score one answer adds to its choice. */
  contribution(b: StackBallot): number {
    const p = this.params(b.expertId);
    const f = ballotFeatures(b);
    return BALLOT_PARAMS.reduce((s, key, i) => s + p[key] * f[i]!, 0);
  }

  /** `optionScores`: the option prior's score per letter index (options.ts); none when the prompt lists no options. */
  decide(ballots: readonly StackBallot[], optionScores: readonly number[] = []): StackedOutcome {
    const scores: Record<string, number> = {};
    const champions = new Map<string, { expertId: string; score: number }>();
    let other = this.artifact.otherBias;
    for (const b of ballots) {
      const p = this.params(b.expertId);
      other += p.presence + (b.choice === null ? p.missing : 0);
      if (b.choice === null) continue;
      const c = this.contribution(b);
      scores[b.choice] = (scores[b.choice] ?? this.priorOf(b.choice, optionScores)) + c;
      const best = champions.get(b.choice);
      if (!best || c > best.score) champions.set(b.choice, { expertId: b.expertId, score: c });
    }
    const named = Object.keys(scores);
    if (named.length === 0) return { choice: null, p: 0, scores, champion: null };
    // Ties go to the choice named first: deterministic, and the order answers arrived in.
    const choice = named.reduce((a, b) => (scores[b]! > scores[a]! ? b : a));
    const max = Math.max(other, ...Object.values(scores));
    const total = Math.exp(other - max) + named.reduce((s, c) => s + Math.exp(scores[c]! - max), 0);
    return { choice, p: Math.exp(scores[choice]! - max) / total, scores, champion: champions.get(choice)!.expertId };
  }

  /** What a letter scores before any answer backs it: its prior and what its option's text says (nothing without options). */
  private priorOf(choice: string, optionScores: readonly number[]): number {
    if (optionScores.length === 0) return 0;
    const at = LETTERS.indexOf(choice);
    return (this.artifact.letterPrior[at] ?? 0) + this.artifact.options.scale * (optionScores[at] ?? 0);
  }

  static fromArtifact(data: unknown): VoteStacker {
    return new VoteStacker(voteStackerSchema.parse(data));
  }
}
