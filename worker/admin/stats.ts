import { and, desc, eq, gte, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import { createDb, type Db } from '../db/client';
import { feedback, routeCalls, routes } from '../db/schema';
import type { AppEnv } from '../env';
import { parseWith } from '../http/validation';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Each window with a bucket size that keeps charts between 24 and 168 points. */
export const STATS_WINDOWS = {
  '1h': { ms: HOUR, bucketMs: MINUTE },
  '6h': { ms: 6 * HOUR, bucketMs: 5 * MINUTE },
  '24h': { ms: 24 * HOUR, bucketMs: 15 * MINUTE },
  '7d': { ms: 7 * 24 * HOUR, bucketMs: HOUR },
} as const;
export type StatsWindow = keyof typeof STATS_WINDOWS;

/** Latency percentiles read at most this many newest routes, so a busy week stays one bounded query. */
export const MAX_LATENCY_ROWS = 50_000;

export const statsQuery = z.object({ window: z.enum(Object.keys(STATS_WINDOWS) as [StatsWindow, ...StatsWindow[]]).default('1h') }).strict();

export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface StatsBucket {
  /** Bucket start, ms since the epoch. */
  start: number;
  requests: number;
  errors: number;
  requests_per_minute: number;
  cost_usd: number;
  cost_per_hour_usd: number;
  latency_ms: Percentiles;
  feedback: number;
  /** Mean feedback score (1 = right, 0 = wrong) of the feedback given in this bucket. */
  accuracy: number | null;
}

export interface Stats {
  window: StatsWindow;
  since: number;
  until: number;
  bucket_ms: number;
  /** True when the window held more routes than MAX_LATENCY_ROWS: figures cover the newest ones. */
  truncated: boolean;
  totals: { requests: number; errors: number; cost_usd: number; latency_ms: Percentiles; feedback: number; accuracy: number | null };
  buckets: StatsBucket[];
  experts: { expert: string; calls: number; share: number; cost_usd: number }[];
}

/** Nearest-rank percentile of an ascending array; null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function percentiles(values: number[]): Percentiles {
  const sorted = values.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

export async function computeStats(db: Db, window: StatsWindow, now = Date.now()): Promise<Stats> {
  const { ms, bucketMs } = STATS_WINDOWS[window];
  // Buckets align to whole bucket sizes so a chart's bars do not shift between reloads.
  const since = Math.floor((now - ms) / bucketMs) * bucketMs;
  const count = Math.ceil((now - since) / bucketMs);
  const inWindow = db.select({ id: routes.id }).from(routes).where(gte(routes.createdAt, since));
  const [routeRows, shares, ratings] = await Promise.all([
    db
      .select({ at: routes.createdAt, latency: routes.latencyMs, cost: routes.costUsd, status: routes.status })
      .from(routes)
      .where(gte(routes.createdAt, since))
      .orderBy(desc(routes.createdAt))
      .limit(MAX_LATENCY_ROWS + 1),
    db
      .select({ expert: routeCalls.expertId, calls: sql<number>`count(*)`, cost: sql<number>`coalesce(sum(${routeCalls.costUsd}), 0)` })
      .from(routeCalls)
      // The client's misses (a prompt a replay expert never recorded, a call the cost cap did not
      // make) never reached the expert: not its traffic, as they are not its health (health.ts).
      .where(
        and(eq(routeCalls.role, 'expert'), or(isNull(routeCalls.errorSource), ne(routeCalls.errorSource, 'client')), inArray(routeCalls.routeId, inWindow)),
      )
      .groupBy(routeCalls.expertId),
    db.select({ at: feedback.createdAt, score: feedback.score }).from(feedback).where(gte(feedback.createdAt, since)),
  ]);
  const truncated = routeRows.length > MAX_LATENCY_ROWS;
  const rows = routeRows.slice(0, MAX_LATENCY_ROWS);

  const buckets = Array.from({ length: count }, (_, i) => ({
    start: since + i * bucketMs,
    requests: 0,
    errors: 0,
    cost: 0,
    latencies: [] as number[],
    scores: [] as number[],
  }));
  const at = (t: number) => buckets[Math.min(count - 1, Math.max(0, Math.floor((t - since) / bucketMs)))]!;
  for (const r of rows) {
    const b = at(r.at);
    b.requests++;
    if (r.status === 'error') b.errors++;
    b.cost += r.cost;
    b.latencies.push(r.latency);
  }
  for (const f of ratings) at(f.at).scores.push(f.score);

  const totalCalls = shares.reduce((s, e) => s + e.calls, 0);
  const allScores = ratings.map((f) => f.score);
  return {
    window,
    since,
    until: now,
    bucket_ms: bucketMs,
    truncated,
    totals: {
      requests: rows.length,
      errors: rows.filter((r) => r.status === 'error').length,
      cost_usd: rows.reduce((s, r) => s + r.cost, 0),
      latency_ms: percentiles(rows.map((r) => r.latency)),
      feedback: allScores.length,
      accuracy: mean(allScores),
    },
    buckets: buckets.map((b) => ({
      start: b.start,
      requests: b.requests,
      errors: b.errors,
      requests_per_minute: b.requests / (bucketMs / MINUTE),
      cost_usd: b.cost,
      cost_per_hour_usd: b.cost / (bucketMs / HOUR),
      latency_ms: percentiles(b.latencies),
      feedback: b.scores.length,
      accuracy: mean(b.scores),
    })),
    experts: shares
      .map((e) => ({ expert: e.expert, calls: e.calls, share: totalCalls ? e.calls / totalCalls : 0, cost_usd: e.cost }))
      .sort((a, b) => b.calls - a.calls || a.expert.localeCompare(b.expert)),
  };
}

function mean(xs: number[]): number | null {
  return xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null;
}

export const adminStats = new Hono<AppEnv>();

/** Traffic, cost, latency and feedback accuracy over a window, bucketed for charts. */
adminStats.get('/', async (c) => {
  const q = parseWith(statsQuery, c.req.query(), 'query');
  return c.json(await computeStats(createDb(c.env.DB), q.window));
});
