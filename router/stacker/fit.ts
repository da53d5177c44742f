// Maximum likelihood of the right candidate among several (a softmax over candidates, each
// scored by a sparse linear model), AdaGrad, full batch: how both the stacked vote and the
// option prior are fitted.

/** (parameter index, feature value) pairs. */
export type Terms = readonly (readonly [number, number])[];

export interface ChoiceGroup {
  candidates: readonly Terms[];
  /** Index of the right candidate. */
  right: number;
}

export interface ChoiceFitOptions {
  epochs: number;
  learningRate: number;
  /** Multiplies every weight after each step (1 − shrink): keeps rarely seen features bounded. */
  shrink: number;
  /** Starting weights (zeros when absent). */
  init?: Float64Array;
}

export function fitChoiceModel(groups: readonly ChoiceGroup[], dims: number, opts: ChoiceFitOptions): Float64Array {
  const w = opts.init ? Float64Array.from(opts.init) : new Float64Array(dims);
  const g2 = new Float64Array(dims).fill(1e-8);
  const scores: number[] = [];
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    const g = new Float64Array(dims);
    for (const { candidates, right } of groups) {
      scores.length = 0;
      for (const terms of candidates) scores.push(terms.reduce((s, [k, x]) => s + w[k]! * x, 0));
      const max = Math.max(...scores);
      let total = 0;
      for (let c = 0; c < scores.length; c++) total += scores[c] = Math.exp(scores[c]! - max);
      candidates.forEach((terms, c) => {
        const residual = (c === right ? 1 : 0) - scores[c]! / total;
        for (const [k, x] of terms) g[k]! += residual * x;
      });
    }
    for (let k = 0; k < dims; k++) {
      const gk = g[k]! / Math.max(1, groups.length);
      g2[k]! += gk * gk;
      w[k] = (w[k]! + (opts.learningRate * gk) / Math.sqrt(g2[k]!)) * (1 - opts.shrink);
    }
  }
  return w;
}
