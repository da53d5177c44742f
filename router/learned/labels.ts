// Recorded correctness as a dense matrix. Routing history is sparse (only the experts a request
// called have an outcome), so every learner treats UNKNOWN as "no evidence", never as wrong.

export const UNKNOWN = -1;

export interface LabelMatrix {
  experts: readonly string[];
  rows: number;
  /** rows × experts: 1 correct, 0 wrong, UNKNOWN not called. */
  values: Int8Array;
}

export interface OutcomeLike {
  correct: boolean;
}

export function labelMatrix(experts: readonly string[], outcomes: readonly Readonly<Record<string, OutcomeLike | undefined>>[]): LabelMatrix {
  const values = new Int8Array(outcomes.length * experts.length).fill(UNKNOWN);
  outcomes.forEach((o, i) =>
    experts.forEach((id, e) => {
      const r = o[id];
      if (r) values[i * experts.length + e] = r.correct ? 1 : 0;
    }),
  );
  return { experts, rows: outcomes.length, values };
}

/** (correct + 1) / (known + 2) per expert: a smoothed accuracy that is defined with no data. */
export function baseRates(labels: LabelMatrix): Float64Array {
  const m = labels.experts.length;
  const correct = new Float64Array(m);
  const known = new Float64Array(m);
  for (let i = 0; i < labels.rows; i++) {
    for (let e = 0; e < m; e++) {
      const y = labels.values[i * m + e]!;
      if (y === UNKNOWN) continue;
      known[e]! += 1;
      correct[e]! += y;
    }
  }
  return correct.map((c, e) => (c + 1) / (known[e]! + 2));
}
