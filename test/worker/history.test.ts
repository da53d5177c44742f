import { env } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { createDb } from '../../worker/db/client';
import { insertRouteRecord, insertRouteRecords } from '../../worker/db/history-write';
import { BATCH_WINDOW_MS, batchClosed, enqueueRouteRecord, MAX_BATCH_DELAY_MS, MAX_BATCH_ROUTES } from '../../worker/history/batcher';
import type { RouteRecord } from '../../worker/history/record';
import { writeRouteRecords } from '../../worker/history/writer';
import { runScheduled } from '../../worker/scheduled';
import { chat, replayExpert, routeRecord } from './helpers';

const count = async (table: string) => (await env.DB.prepare(`select count(*) as n from ${table}`).first<{ n: number }>())!.n;

function record(id: string, createdAt: number, policy = 'auto', apiKeyId: string | null = null): RouteRecord {
  return routeRecord({
    id,
    createdAt,
    apiKeyId,
    model: policy,
    policy,
    latencyMs: 10,
    usage: { promptTokens: 3, completionTokens: 4 },
    costUsd: 0.5,
    calls: [
      {
        expertId: 'a',
        role: 'expert',
        stage: 0,
        status: 'ok',
        startedAt: createdAt,
        latencyMs: 10,
        usage: { promptTokens: 3, completionTokens: 4 },
        costUsd: 0.5,
        attempts: 1,
        text: 'r',
        error: null,
      },
    ],
  });
}

describe('routing history', () => {
  it('retries a failed write and never writes a route twice', async () => {
    let failures = 2;
    const write = async (rs: RouteRecord[], rewrite: boolean) => {
      await insertRouteRecords(createDb(env.DB), rs, { rewrite });
      if (failures-- > 0) throw new Error('acknowledgement lost');
    };
    expect(await writeRouteRecords(env.DB, [record('rt_x', Date.now())], { write, baseDelayMs: 1 })).toBe(1);
    expect(await count('routes')).toBe(1);
    expect(await count('route_calls')).toBe(1);
  });

  it('writes concurrent routes in shared batches, and a record that poisons its batch loses no other', async () => {
    const batches: string[][] = [];
    const write = async (rs: RouteRecord[]) => {
      batches.push(rs.map((r) => r.id));
      if (rs.some((r) => r.id === 'rt_bad')) throw new Error('row too big');
      await insertRouteRecords(createDb(env.DB), rs);
    };
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const flushes: Promise<unknown>[] = [];
    const ids = [...Array.from({ length: MAX_BATCH_ROUTES + 4 }, (_, i) => `rt_b${i}`), 'rt_bad'];
    for (const id of ids) enqueueRouteRecord(env.DB, record(id, Date.now()), (p) => flushes.push(p), { write, attempts: 2, baseDelayMs: 1 });
    await Promise.all(flushes);
    // Two batches (a full one, then the rest); the second failed whole and was written route by route.
    expect(flushes).toHaveLength(2);
    expect(batches[0]).toHaveLength(MAX_BATCH_ROUTES);
    expect(await count('routes')).toBe(ids.length - 1);
    expect(JSON.parse(error.mock.calls[0]![0] as string)).toMatchObject({ event: 'route_write_failed', routeId: 'rt_bad' });
    error.mockRestore();
  });

  it('keeps a batch open while routes keep joining it, one at a time, up to its longest delay', async () => {
    const t0 = 1_000_000;
    const open = (joinedAt: number, size = 2) => ({ size, openedAt: t0, joinedAt });
    expect(batchClosed(open(t0 + 5), t0 + 10)).toBe(false);
    expect(batchClosed(open(t0 + 5), t0 + 5 + BATCH_WINDOW_MS)).toBe(true);
    expect(batchClosed(open(t0 + 95), t0 + MAX_BATCH_DELAY_MS)).toBe(true);
    expect(batchClosed(open(t0 + 1, MAX_BATCH_ROUTES), t0 + 2)).toBe(true);
    // Sequential requests a few ms apart (a client on one connection) share one D1 batch.
    const batches: string[][] = [];
    const write = async (rs: RouteRecord[]) => {
      batches.push(rs.map((r) => r.id));
      await insertRouteRecords(createDb(env.DB), rs);
    };
    const flushes: Promise<unknown>[] = [];
    // Spread over more than one window: a fixed window from the first route would cut it in two.
    const ids = Array.from({ length: 6 }, (_, i) => `rt_s${i}`);
    for (const id of ids) {
      enqueueRouteRecord(env.DB, record(id, Date.now()), (p) => flushes.push(p), { write });
      await new Promise((r) => setTimeout(r, 3));
    }
    await Promise.all(flushes);
    expect(batches).toEqual([ids]);
  });

  it('logs the whole record when every attempt fails', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const written = await writeRouteRecords(env.DB, [record('rt_lost', Date.now())], {
      write: () => Promise.reject(new Error('D1 down')),
      attempts: 3,
      baseDelayMs: 1,
    });
    expect(written).toBe(0);
    const logged = JSON.parse(error.mock.calls[0]![0] as string) as { event: string; record: { id: string } };
    expect(logged).toMatchObject({ event: 'route_write_failed', record: { id: 'rt_lost' } });
    error.mockRestore();
  });

  it('loses no route under concurrent requests and injected D1 failures', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const n = 60;
    const responses = await Promise.all(Array.from({ length: n }, () => chat({ model: 'gemini-1.5-pro-002' }, { env: { CHAOS_HISTORY_FAILURE_RATE: '0.3' } })));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(await count('routes')).toBe(n);
    expect(await count('route_calls')).toBe(n);
    const ids = new Set(responses.map((r) => r.headers.get('x-route-id')));
    const rows = await env.DB.prepare('select id from routes').all<{ id: string }>();
    expect(new Set(rows.results.map((r) => r.id))).toEqual(ids);
  });

  it('the cron job rolls old routes up into daily aggregates and prunes them', async () => {
    const day = 86_400_000;
    const now = Date.UTC(2026, 10, 22, 12);
    const db = createDb(env.DB);
    await insertRouteRecord(db, record('rt_old1', now - 40 * day));
    await insertRouteRecord(db, record('rt_old2', now - 40 * day + 1000));
    await insertRouteRecord(db, record('rt_old3', now - 35 * day, 'economy', 'key_a'));
    await insertRouteRecord(db, record('rt_new', now - 2 * day));
    expect(await runScheduled({ ...env, RETENTION_DAYS: '30' }, now)).toMatchObject({ pruned: 3 });
    expect(await count('routes')).toBe(1);
    expect(await count('route_calls')).toBe(1);
    const rollups = await env.DB.prepare('select * from daily_rollups order by day').all<Record<string, unknown>>();
    expect(rollups.results).toEqual([
      expect.objectContaining({ day: '2026-10-13', policy: 'auto', expert_id: 'a', calls: 2, errors: 0, prompt_tokens: 6, completion_tokens: 8, cost_usd: 1 }),
      expect.objectContaining({ day: '2026-10-18', policy: 'economy', calls: 1 }),
    ]);
    const perKey = await env.DB.prepare(
      'select day, policy, api_key_id, requests, errors, prompt_tokens, completion_tokens, cost_usd from daily_route_rollups order by day',
    ).all();
    expect(perKey.results).toEqual([
      { day: '2026-10-13', policy: 'auto', api_key_id: '', requests: 2, errors: 0, prompt_tokens: 6, completion_tokens: 8, cost_usd: 1 },
      { day: '2026-10-18', policy: 'economy', api_key_id: 'key_a', requests: 1, errors: 0, prompt_tokens: 3, completion_tokens: 4, cost_usd: 0.5 },
    ]);
  });
});
