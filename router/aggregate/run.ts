import { Channel } from '../channel';
import type { AggregationResult } from '../types';
import type { AggregationRun } from './types';

/**
 * Runs an aggregation that pushes the final text as it is produced. Adds `first_delta_ms` (time from
 * the start of aggregation to its first delta, the aggregator's share of time to first token) to
 * the result's detail, and ends the delta stream with the result: closed on success, failed with
 * the same error otherwise, so a streaming client never sees a silently truncated answer.
 */
export function startAggregation(produce: (push: (delta: string) => void) => Promise<AggregationResult>): AggregationRun {
  const out = new Channel<string>();
  const started = Date.now();
  let firstDeltaMs: number | null = null;
  const push = (delta: string): void => {
    if (!delta) return;
    firstDeltaMs ??= Date.now() - started;
    out.push(delta);
  };
  const result = produce(push).then((r) => ({ ...r, detail: { ...r.detail, first_delta_ms: firstDeltaMs } }));
  result.then(
    () => out.close(),
    (e: unknown) => out.fail(e),
  );
  return { deltas: out, result };
}
