// Spend per key, policy or expert, per UTC day or month: the live history plus what retention rolled
// up (daily_route_rollups per key and policy, daily_rollups per expert), so old months stay whole.
// Plain SQL on the D1 binding: grouping by a formatted date reads better here than in drizzle.
// Policies are grouped as db/reported-policy.ts reports them, as retention rolls them up, so a
// report reads the same before and after a day is rolled up.

import { ROLLED_UP_POLICY_SQL, ROUTE_POLICY_SQL } from './reported-policy';

export type SpendDimension = 'key' | 'policy' | 'expert';
export type SpendPeriod = 'day' | 'month';

export interface SpendRow {
  /** `YYYY-MM-DD` or `YYYY-MM` (UTC). */
  period: string;
  /** The key id ('' is the dev key), policy name ('(unknown)' for names that never resolved one) or expert id. */
  group: string;
  /** Routes for keys and policies; calls (answering, aggregating, judging) for experts. */
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

export interface SpendQuery {
  by: SpendDimension;
  period: SpendPeriod;
  /** First and last day included, `YYYY-MM-DD` (UTC). */
  since: string;
  until: string;
  /** Only this key / policy / expert. */
  only?: string | undefined;
}

const DAY_MS = 86_400_000;

/** The period a day belongs to: the day itself, or its month. */
const periodLength = (p: SpendPeriod) => (p === 'day' ? 10 : 7);

export function dayStartMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

export async function spend(d1: D1Database, q: SpendQuery): Promise<SpendRow[]> {
  const len = periodLength(q.period);
  const from = dayStartMs(q.since);
  const to = dayStartMs(q.until) + DAY_MS;
  const liveGroup = q.by === 'key' ? `coalesce(api_key_id, '')` : ROUTE_POLICY_SQL;
  const rolledGroup = q.by === 'key' ? 'api_key_id' : ROLLED_UP_POLICY_SQL;
  const live =
    q.by === 'expert'
      ? `select substr(strftime('%Y-%m-%d', created_at / 1000, 'unixepoch'), 1, ${len}) as period, expert_id as grp, count(*) as requests,
                sum(status != 'ok') as errors, sum(prompt_tokens) as pt, sum(completion_tokens) as ct, sum(cost_usd) as cost
         from route_calls where created_at >= ?1 and created_at < ?2 and (?5 is null or expert_id = ?5) group by 1, 2`
      : `select substr(strftime('%Y-%m-%d', created_at / 1000, 'unixepoch'), 1, ${len}) as period, ${liveGroup} as grp,
                count(*) as requests, sum(status != 'ok') as errors, sum(prompt_tokens) as pt, sum(completion_tokens) as ct, sum(cost_usd) as cost
         from routes where created_at >= ?1 and created_at < ?2 and (?5 is null or ${liveGroup} = ?5) group by 1, 2`;
  const rolled =
    q.by === 'expert'
      ? `select substr(day, 1, ${len}) as period, expert_id as grp, sum(calls) as requests, sum(errors) as errors, sum(prompt_tokens) as pt,
                sum(completion_tokens) as ct, sum(cost_usd) as cost
         from daily_rollups where day >= ?3 and day <= ?4 and (?5 is null or expert_id = ?5) group by 1, 2`
      : `select substr(day, 1, ${len}) as period, ${rolledGroup} as grp, sum(requests) as requests, sum(errors) as errors,
                sum(prompt_tokens) as pt, sum(completion_tokens) as ct, sum(cost_usd) as cost
         from daily_route_rollups where day >= ?3 and day <= ?4 and (?5 is null or ${rolledGroup} = ?5) group by 1, 2`;
  const { results } = await d1
    .prepare(
      `select period, grp, sum(requests) as requests, sum(errors) as errors, sum(pt) as pt, sum(ct) as ct, sum(cost) as cost
       from (${live} union all ${rolled}) group by 1, 2 order by 1, 7 desc, 2`,
    )
    .bind(from, to, q.since, q.until, q.only ?? null)
    .all<{ period: string; grp: string; requests: number; errors: number; pt: number; ct: number; cost: number }>();
  return results.map((r) => ({
    period: r.period,
    group: r.grp,
    requests: r.requests,
    errors: r.errors,
    promptTokens: r.pt,
    completionTokens: r.ct,
    costUsd: r.cost,
  }));
}

export interface KeySpend {
  todayUsd: number;
  monthUsd: number;
}

/** Each key's spend today and this month (UTC), for budgets: keys without spend are absent. */
export async function keySpendNow(d1: D1Database, now = new Date(), keyId?: string): Promise<Map<string, KeySpend>> {
  const today = now.toISOString().slice(0, 10);
  const rows = await spend(d1, { by: 'key', period: 'day', since: `${today.slice(0, 7)}-01`, until: today, only: keyId });
  const out = new Map<string, KeySpend>();
  for (const r of rows) {
    const s = out.get(r.group) ?? { todayUsd: 0, monthUsd: 0 };
    s.monthUsd += r.costUsd;
    if (r.period === today) s.todayUsd += r.costUsd;
    out.set(r.group, s);
  }
  return out;
}
