// Next-token choice from logits: greedy at temperature 0, else temperature + nucleus (top-p) sampling
// driven by a per-request seeded generator, so a seeded request samples the same tokens however it is batched.
import { mulberry32 } from '../random.js';

export interface SamplingParams {
  temperature: number;
  topP: number;
  /** null draws a fresh seed. */
  seed: number | null;
}

export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  return best;
}

export class Sampler {
  private readonly random: () => number;

  constructor(private readonly params: SamplingParams) {
    this.random = mulberry32(params.seed ?? Math.floor(Math.random() * 2 ** 32));
  }

  next(logits: Float32Array): number {
    const { temperature, topP } = this.params;
    if (temperature <= 0) return argmax(logits);
    const max = logits[argmax(logits)]!;
    const probs = new Float64Array(logits.length);
    let sum = 0;
    for (let i = 0; i < logits.length; i++) {
      probs[i] = Math.exp((logits[i]! - max) / temperature);
      sum += probs[i]!;
    }
    if (topP >= 1) return this.pick(probs, sum, null);
    // Nucleus: the smallest set of most likely tokens whose mass reaches topP. Tokens below 1e-12 of the
    // total can never be needed to reach it, so they are left out of the sort.
    const candidates: number[] = [];
    for (let i = 0; i < probs.length; i++) if (probs[i]! > sum * 1e-12) candidates.push(i);
    candidates.sort((a, b) => probs[b]! - probs[a]! || a - b);
    const kept: number[] = [];
    let mass = 0;
    for (const i of candidates) {
      kept.push(i);
      mass += probs[i]!;
      if (mass >= topP * sum) break;
    }
    return this.pick(probs, mass, kept);
  }

  private pick(probs: Float64Array, total: number, among: number[] | null): number {
    let r = this.random() * total;
    const ids = among ?? probs.keys();
    let last = 0;
    for (const i of ids) {
      r -= probs[i]!;
      last = i;
      if (r <= 0) return i;
    }
    return last;
  }
}
