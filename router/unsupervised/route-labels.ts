import { answerReader, referenceKey } from '../answers/read';
import type { TrainingExample, TrainingOutcome } from '../train';
import { consensus, DEFAULT_CONSENSUS, type ConsensusOptions } from './consensus';

// Pseudo-labels for routes nobody rated (the cron's learning without labels): the same consensus
// as `npm run eval -- --labels none` (consensus.ts) over the answers each route's experts gave,
// and an expert is right when its answer is the consensus answer.

export interface AnsweredRoute {
  prompt: string;
  /** The answering experts' replies, one per expert. */
  answers: readonly { expertId: string; text: string; costUsd: number }[];
}

/**
 * Experts that must back a consensus answer before it labels anyone. A route calls a few experts,
 * not the whole pool: with one backer (two experts that disagree) the consensus could only side
 * with the expert it already trusts more, and teach the router its own prior.
 */
export const MIN_SUPPORT = 2;

/** Per route, the per-expert outcomes its consensus implies, or null when it implies none. */
export function consensusExamples(routes: readonly AnsweredRoute[], opts: ConsensusOptions = DEFAULT_CONSENSUS): (TrainingExample | null)[] {
  const preds = routes.map((r) => {
    const read = answerReader(r.prompt);
    return new Map(r.answers.map((a) => [a.expertId, read(a.text)]));
  });
  const c = consensus(
    routes.map((r, i) => ({ prompt: r.prompt, preds: Object.fromEntries(preds[i]!) })),
    opts,
  );
  return routes.map((r, i) => {
    const label = c.labels[i]!;
    // Keyed as the consensus keys them, so equal answers written differently agree.
    const right = (expertId: string) => {
      const pred = preds[i]!.get(expertId) ?? null;
      return label !== null && pred !== null && referenceKey(r.prompt, pred) === label;
    };
    if (r.answers.filter((a) => right(a.expertId)).length < MIN_SUPPORT) return null;
    const outcomes: Record<string, TrainingOutcome> = {};
    for (const a of r.answers) outcomes[a.expertId] = { correct: right(a.expertId), costUsd: a.costUsd, text: a.text };
    return { prompt: r.prompt, outcomes };
  });
}
