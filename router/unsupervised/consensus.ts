import { promptKind } from '../answers/prompt-kind';
import { referenceKey } from '../answers/read';

// Learning without labels: pseudo-labels from the experts' agreement. One-coin Dawid-Skene (EM):
// each expert m is right with probability a_m, and a wrong answer falls on one of the other K − 1
// answers; the posterior over a question's answers weighs each expert's vote by
// log(a_m (K − 1) / (1 − a_m)), and each a_m is re-estimated as its expected agreement with that
// posterior. A few iterations separate strong experts from weak ones that agree among themselves
// less often; no `answer` or `correct` is read.

export interface UnlabelledQuestion {
  prompt: string;
  /** Each expert's recorded final answer (null when it gave none). */
  preds: Readonly<Record<string, string | null>>;
}

export interface ConsensusOptions {
  iterations: number;
  /** Answers a wrong expert spreads over on a free-form question (a multiple-choice one has its options). */
  answers: number;
  /** Only the experts estimated strongest vote in the posterior: weak experts tend to share the same wrong answers. */
  voters: number;
  /** Pseudo-count pulling each accuracy towards 1/2 (an expert seen on few questions). */
  prior: number;
}

export const DEFAULT_CONSENSUS: ConsensusOptions = { iterations: 10, answers: 50, prior: 2, voters: 8 };

export interface Consensus {
  /** Per question, the most likely answer key (null when no expert stated one). */
  labels: (string | null)[];
  /** Per question, the posterior of that answer. */
  confidence: number[];
  /** Estimated accuracy of each expert. */
  accuracy: Map<string, number>;
}

export function consensus(questions: readonly UnlabelledQuestion[], opts: ConsensusOptions = DEFAULT_CONSENSUS): Consensus {
  const kinds = questions.map((q) => promptKind(q.prompt));
  // An open-ended prompt's replies state no answer to agree on, however alike two of them read.
  const keyed = questions.map((q, i) =>
    Object.entries(q.preds).map(([expert, pred]) => [expert, pred === null || kinds[i]!.kind === 'open-ended' ? null : referenceKey(q.prompt, pred)] as const),
  );
  const accuracy = new Map<string, number>();
  for (const q of keyed) for (const [m] of q) accuracy.set(m, 0.6);
  const spread = kinds.map((kind) => (kind.kind === 'multiple-choice' ? kind.options : opts.answers));
  let posteriors: Map<string, number>[] = [];
  for (let it = 0; it < opts.iterations; it++) {
    const strong = new Set(
      [...accuracy]
        .sort((a, b) => b[1] - a[1])
        .slice(0, opts.voters)
        .map(([m]) => m),
    );
    posteriors = keyed.map((q, i) =>
      posterior(
        q.filter(([m]) => it === 0 || strong.has(m)),
        accuracy,
        spread[i]!,
      ),
    );
    const agree = new Map<string, number>();
    const seen = new Map<string, number>();
    keyed.forEach((q, i) => {
      for (const [m, key] of q) {
        seen.set(m, (seen.get(m) ?? 0) + 1);
        if (key !== null) agree.set(m, (agree.get(m) ?? 0) + (posteriors[i]!.get(key) ?? 0));
      }
    });
    for (const [m, n] of seen) accuracy.set(m, ((agree.get(m) ?? 0) + opts.prior / 2) / (n + opts.prior));
  }
  const labels: (string | null)[] = [];
  const confidence: number[] = [];
  for (const p of posteriors) {
    let best: string | null = null;
    let pBest = 0;
    for (const [key, pk] of p) if (pk > pBest || (pk === pBest && best !== null && key < best)) [best, pBest] = [key, pk];
    labels.push(best);
    confidence.push(pBest);
  }
  return { labels, confidence, accuracy };
}

/** P(answer) over the answers stated, from each expert's log-odds weight. */
function posterior(answers: readonly (readonly [string, string | null])[], accuracy: ReadonlyMap<string, number>, k: number): Map<string, number> {
  const score = new Map<string, number>();
  for (const [m, key] of answers) {
    if (key === null) continue;
    const a = Math.min(0.999, Math.max(0.001, accuracy.get(m)!));
    score.set(key, (score.get(key) ?? 0) + Math.log((a * (k - 1)) / (1 - a)));
  }
  const max = Math.max(...score.values());
  let total = 0;
  for (const [key, s] of score) {
    const e = Math.exp(s - max);
    score.set(key, e);
    total += e;
  }
  for (const [key, e] of score) score.set(key, e / total);
  return score;
}
