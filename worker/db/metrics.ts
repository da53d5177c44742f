// Totals for the Prometheus endpoint, straight from D1: the live history plus what retention rolled
// up, so every counter only grows (rollup and delete commit in one batch). Outcomes are only `ok`
// and `failed`, and tokens and cost carry no outcome: the rollups keep no finer split, and a label
// whose total shrank at retention would read as a counter reset. Policies are reported as
// db/reported-policy.ts says, so a refused `model` that names nothing is no series of its own.

import { ROLLED_UP_POLICY_SQL, ROUTE_POLICY_SQL } from './reported-policy';

export interface Totals {
  /** Policy or expert. */
  name: string;
  ok: number;
  failed: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

type Row = { name: string; ok: number; failed: number; pt: number; ct: number; cost: number };

/** A table and what to group its rows by: a column, or an expression of its columns. */
type Source = { table: string; name: string };

/**
 * Totals per name over the live rows of `live` plus what retention rolled up into `rollups`, whose
 * `count` column says how many rows each rollup row stands for.
 */
async function totals(d1: D1Database, live: Source, rollups: Source & { count: string }): Promise<Totals[]> {
  const { results } = await d1
    .prepare(
      `select name, sum(ok) as ok, sum(failed) as failed, sum(pt) as pt, sum(ct) as ct, sum(cost) as cost from (
         select ${live.name} as name, sum(status = 'ok') as ok, sum(status != 'ok') as failed, sum(prompt_tokens) as pt, sum(completion_tokens) as ct, sum(cost_usd) as cost from ${live.table} group by 1
         union all
         select ${rollups.name}, sum(${rollups.count} - errors), sum(errors), sum(prompt_tokens), sum(completion_tokens), sum(cost_usd) from ${rollups.table} group by 1
       ) group by 1 order by 1`,
    )
    .all<Row>();
  return results.map((r) => ({ name: r.name, ok: r.ok, failed: r.failed, promptTokens: r.pt, completionTokens: r.ct, costUsd: r.cost }));
}

/** Routes per policy. */
export function routeTotals(d1: D1Database): Promise<Totals[]> {
  return totals(d1, { table: 'routes', name: ROUTE_POLICY_SQL }, { table: 'daily_route_rollups', name: ROLLED_UP_POLICY_SQL, count: 'requests' });
}

/** Calls per expert, every role (answering, aggregating, judging). */
export function callTotals(d1: D1Database): Promise<Totals[]> {
  return totals(d1, { table: 'route_calls', name: 'expert_id' }, { table: 'daily_rollups', name: 'expert_id', count: 'calls' });
}

/** Latencies of the routes finished in the last `windowMs`, ascending, per policy. */
export async function recentLatencies(d1: D1Database, windowMs: number, now = Date.now()): Promise<Map<string, number[]>> {
  const { results } = await d1
    .prepare(`select ${ROUTE_POLICY_SQL} as policy, latency_ms as ms from routes where created_at >= ? order by latency_ms`)
    .bind(now - windowMs)
    .all<{ policy: string; ms: number }>();
  const out = new Map<string, number[]>();
  for (const r of results) out.set(r.policy, [...(out.get(r.policy) ?? []), r.ms]);
  return out;
}
