import { seededRandom, shuffled } from '../features/random';

/** k disjoint test folds covering 0..n-1 after a seeded shuffle (position-based: no ids involved). */
export function kFolds(n: number, k: number, seed = 1): number[][] {
  const order = shuffled(
    Array.from({ length: n }, (_, i) => i),
    seededRandom(seed),
  );
  return Array.from({ length: k }, (_, f) => order.filter((_, j) => j % k === f).sort((a, b) => a - b));
}

/** The complement of a fold. */
export function trainIndices(n: number, test: readonly number[]): number[] {
  const held = new Set(test);
  return Array.from({ length: n }, (_, i) => i).filter((i) => !held.has(i));
}
