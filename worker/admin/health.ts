import { and, eq, gte, inArray } from 'drizzle-orm';
import { Hono } from 'hono';
import { createDb, type Db } from '../db/client';
import { listExpertRows } from '../db/experts';
import { routeCalls, routes } from '../db/schema';
import { cacheTtlMs, type AppEnv } from '../env';
import { gatewayCaller } from '../gateway/adapters';
import { loadRegistry } from '../gateway/registry';
import { breakerStates, type CircuitState } from '../resilience/breaker';
import { percentile } from './stats';

export const HEALTH_WINDOW_MS = 60 * 60 * 1000;

export interface ExpertHealth {
  expert: string;
  /**
   * Answering calls in the window. Left out, as they say nothing about the expert's health: hedged
   * losers (cancelled) and the client's misses (a prompt a replay expert never recorded).
   */
  calls: number;
  errors: number;
  error_rate: number | null;
  /** Over successful calls. */
  p50_ms: number | null;
  p95_ms: number | null;
  /** This isolate's breaker: other isolates may see the expert differently. */
  circuit: CircuitState;
  /** Why an enabled expert cannot be called as configured (its key not set, …): routing leaves it out until fixed. */
  not_callable: string | null;
}

/** Every registered expert's last hour from route_calls, plus its circuit state and whether it can be called as configured. */
export async function expertHealth(db: Db, configProblem: (expertId: string) => string | null, now = Date.now()): Promise<ExpertHealth[]> {
  const since = now - HEALTH_WINDOW_MS;
  const [experts, calls] = await Promise.all([
    listExpertRows(db),
    // Through the routes' time index: route_calls has none on created_at alone.
    db
      .select({ expert: routeCalls.expertId, status: routeCalls.status, source: routeCalls.errorSource, latency: routeCalls.latencyMs })
      .from(routeCalls)
      .where(
        and(
          eq(routeCalls.role, 'expert'),
          gte(routeCalls.createdAt, since),
          inArray(routeCalls.routeId, db.select({ id: routes.id }).from(routes).where(gte(routes.createdAt, since))),
        ),
      ),
  ]);
  const circuits = breakerStates();
  const byExpert = new Map<string, { calls: number; errors: number; ok: number[] }>();
  for (const c of calls) {
    if (c.status === 'cancelled' || c.source === 'client') continue;
    let s = byExpert.get(c.expert);
    if (!s) byExpert.set(c.expert, (s = { calls: 0, errors: 0, ok: [] }));
    s.calls++;
    if (c.status === 'ok') s.ok.push(c.latency);
    else s.errors++;
  }
  return experts.map((e) => {
    const s = byExpert.get(e.id) ?? { calls: 0, errors: 0, ok: [] };
    const sorted = s.ok.sort((a, b) => a - b);
    return {
      expert: e.id,
      calls: s.calls,
      errors: s.errors,
      error_rate: s.calls ? s.errors / s.calls : null,
      p50_ms: percentile(sorted, 50),
      p95_ms: percentile(sorted, 95),
      circuit: circuits[e.id] ?? 'closed',
      not_callable: e.enabled ? configProblem(e.id) : null,
    };
  });
}

export const adminHealth = new Hono<AppEnv>();

adminHealth.get('/', async (c) => {
  const db = createDb(c.env.DB);
  const { configProblem } = gatewayCaller(c.env, (await loadRegistry(db, cacheTtlMs(c.env))).experts);
  return c.json({ window_ms: HEALTH_WINDOW_MS, data: await expertHealth(db, configProblem) });
});
