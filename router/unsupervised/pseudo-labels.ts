import type { EvalExample } from '../eval/types';
import { referenceKey } from '../answers/read';
import { consensus, DEFAULT_CONSENSUS, type ConsensusOptions } from './consensus';

/**
 * The examples with every `answer` and `correct` replaced by what the experts' consensus implies:
 * an expert is right when its answer is the consensus answer. Only the preds (and texts) are read.
 */
export function pseudoLabelled<T extends EvalExample>(examples: readonly T[], opts: ConsensusOptions = DEFAULT_CONSENSUS): T[] {
  const c = consensus(
    examples.map((x) => ({ prompt: x.prompt, preds: Object.fromEntries(Object.entries(x.outcomes).map(([m, o]) => [m, o.pred])) })),
    opts,
  );
  return examples.map((x, i) => {
    const label = c.labels[i]!;
    const outcomes = Object.fromEntries(
      Object.entries(x.outcomes).map(([m, o]) => [m, { ...o, correct: label !== null && o.pred !== null && referenceKey(x.prompt, o.pred) === label }]),
    );
    return { ...x, answer: label ?? '', outcomes };
  });
}
