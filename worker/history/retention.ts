import { ROUTE_POLICY_SQL } from '../db/reported-policy';

const DAY_MS = 86_400_000;

/** The sums a rollup row keeps besides its count; rolling up more of its day adds to each. */
const SUMS = ['errors', 'prompt_tokens', 'completion_tokens', 'cost_usd', 'latency_ms_sum'];

/** The upsert's `set` clause: each column plus the new rows' sum of it. */
const addUp = (columns: string[]) => columns.map((c) => `${c} = ${c} + excluded.${c}`).join(', ');

/**
 * Rolls routes older than the cutoff into daily_rollups (per day, policy and expert) and
 * daily_route_rollups (per day, policy and key: spend per key outlives the routes) and deletes them, one day per D1 batch so the rollup and the delete commit together and nothing is counted
 * twice or lost. daily_route_rollups keeps policies as ROUTE_POLICY_SQL reports them: every name a
 * client sent that never resolved a policy shares one row per day and key, not one each kept forever
 * (daily_rollups needs no such fold: only a resolved route calls an expert).
 * Returns the number of routes pruned.
 */
export async function rollUpAndPrune(d1: D1Database, retentionDays: number, now = Date.now(), maxDays = 31): Promise<number> {
  // Under a day (or NaN) the cutoff would reach today's routes, or every route: refuse, whoever calls.
  if (!(retentionDays >= 1)) throw new RangeError(`retention must be at least 1 day, got ${retentionDays}`);
  const cutoff = now - retentionDays * DAY_MS;
  let pruned = 0;
  for (let i = 0; i < maxDays; i++) {
    const oldest = await d1.prepare('select min(created_at) as at from routes where created_at < ?').bind(cutoff).first<{ at: number | null }>();
    if (oldest?.at == null) break;
    const dayEnd = Math.min(cutoff, (Math.floor(oldest.at / DAY_MS) + 1) * DAY_MS);
    const results = await d1.batch([
      d1
        .prepare(
          `insert into daily_rollups (day, policy, expert_id, calls, errors, prompt_tokens, completion_tokens, cost_usd, latency_ms_sum)
           select date(r.created_at / 1000, 'unixepoch'), r.policy, c.expert_id, count(*), sum(c.status != 'ok'),
                  sum(c.prompt_tokens), sum(c.completion_tokens), sum(c.cost_usd), sum(c.latency_ms)
           from route_calls c join routes r on r.id = c.route_id
           where r.created_at < ?1
           group by 1, 2, 3
           on conflict (day, policy, expert_id) do update set ${addUp(['calls', ...SUMS])}`,
        )
        .bind(dayEnd),
      d1
        .prepare(
          `insert into daily_route_rollups (day, policy, api_key_id, requests, errors, prompt_tokens, completion_tokens, cost_usd, latency_ms_sum)
           select date(created_at / 1000, 'unixepoch'), ${ROUTE_POLICY_SQL}, coalesce(api_key_id, ''), count(*), sum(status != 'ok'),
                  sum(prompt_tokens), sum(completion_tokens), sum(cost_usd), sum(latency_ms)
           from routes where created_at < ?1
           group by 1, 2, 3
           on conflict (day, policy, api_key_id) do update set ${addUp(['requests', ...SUMS])}`,
        )
        .bind(dayEnd),
      d1.prepare('delete from route_calls where route_id in (select id from routes where created_at < ?1)').bind(dayEnd),
      d1.prepare('delete from feedback where route_id in (select id from routes where created_at < ?1)').bind(dayEnd),
      // Rows returned, not meta.changes: that also counts the search index's trigger writes.
      d1.prepare('delete from routes where created_at < ?1 returning id').bind(dayEnd),
    ]);
    pruned += results.at(-1)?.results.length ?? 0;
  }
  return pruned;
}
