import type { AggregationResult } from '../types';
import type { Aggregator } from './types';

// `first` after several stages (a cascade without a vote): the answer of the last, strongest stage
// reached. A single stage never gets here: the pipeline streams its experts and the first to
// produce text wins (its hedged path), which cannot be foreseen from the answers.

/** The last of the answers so far is the one returned. */
function lastOf<T>(items: readonly T[]): T | undefined {
  return items[items.length - 1];
}

export const firstAggregator: Aggregator = {
  name: 'first',
  forecast({ ballots }) {
    const last = lastOf(ballots);
    return last ? { answer: last.choice, winner: last.expertId } : null;
  },
  run(ctx) {
    const answer = lastOf(ctx.answers)!;
    const result: AggregationResult = { aggregation: 'first', text: answer.text, winner: answer.expertId };
    return { deltas: single(answer.text), result: Promise.resolve(result) };
  },
};

async function* single(text: string): AsyncIterable<string> {
  yield text;
}
