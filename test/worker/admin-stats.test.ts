import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, chat, replayExpert } from './helpers';

// Stats and expert health both read the routing history; rows are written straight into D1 with
// chosen times, so windows and buckets are exact.

const MIN = 60_000;

async function insertRoute(r: {
  id: string;
  at: number;
  latency: number;
  cost?: number;
  status?: 'ok' | 'error';
  calls?: [expert: string, status: string, latency: number, role?: string][];
}) {
  await env.DB.prepare(
    `insert into routes (id, created_at, model, policy, strategy, aggregation, policy_json, prompt, messages_json, stream, status, http_status, latency_ms, cost_usd)
     values (?, ?, 'auto', 'auto', 'all', 'first', '{}', 'q', '[]', 0, ?, ?, ?, ?)`,
  )
    .bind(r.id, r.at, r.status ?? 'ok', r.status === 'error' ? 502 : 200, r.latency, r.cost ?? 0)
    .run();
  for (const [expert, status, latency, role] of r.calls ?? []) {
    await env.DB.prepare(
      `insert into route_calls (route_id, created_at, expert_id, role, stage, status, latency_ms, cost_usd) values (?, ?, ?, ?, 0, ?, ?, 0.001)`,
    )
      .bind(r.id, r.at, expert, role ?? 'expert', status, latency)
      .run();
  }
}

interface Stats {
  window: string;
  bucket_ms: number;
  totals: {
    requests: number;
    errors: number;
    cost_usd: number;
    latency_ms: { p50: number; p95: number; p99: number };
    feedback: number;
    accuracy: number | null;
  };
  buckets: { start: number; requests: number; requests_per_minute: number; cost_per_hour_usd: number; latency_ms: { p50: number | null } }[];
  experts: { expert: string; calls: number; share: number; cost_usd: number }[];
}

async function stats(window?: string): Promise<Stats> {
  const res = await call(`/admin/api/stats${window ? `?window=${window}` : ''}`, { admin: true });
  expect(res.status).toBe(200);
  return (await res.json()) as Stats;
}

describe('GET /admin/api/stats', () => {
  it('buckets requests, cost, latency percentiles, expert shares and feedback accuracy over the window', async () => {
    const now = Date.now();
    await insertRoute({
      id: 'r1',
      at: now - 10 * MIN,
      latency: 100,
      cost: 0.01,
      calls: [
        ['a', 'ok', 90],
        ['b', 'ok', 80],
        ['judge', 'ok', 10, 'aggregator'],
      ],
    });
    await insertRoute({ id: 'r2', at: now - 20 * MIN, latency: 200, cost: 0.02, calls: [['a', 'ok', 190]] });
    await insertRoute({ id: 'r3', at: now - 30 * MIN, latency: 300, status: 'error', calls: [['a', 'error', 290]] });
    await insertRoute({ id: 'old', at: now - 2 * 60 * MIN, latency: 5000, cost: 1, calls: [['b', 'ok', 4000]] });
    await env.DB.prepare('insert into feedback (route_id, score, created_at) values (?, 1, ?), (?, 0, ?)')
      .bind('r1', now - 5 * MIN, 'r2', now - 5 * MIN)
      .run();

    const s = await stats();
    expect(s.window).toBe('1h');
    expect(s.bucket_ms).toBe(MIN);
    expect(s.totals).toMatchObject({ requests: 3, errors: 1, latency_ms: { p50: 200, p95: 300, p99: 300 }, feedback: 2, accuracy: 0.5 });
    expect(s.totals.cost_usd).toBeCloseTo(0.03, 12);
    expect(s.buckets.length).toBeGreaterThanOrEqual(60);
    expect(s.buckets.reduce((n, b) => n + b.requests, 0)).toBe(3);
    const r1 = s.buckets.find((b) => b.start <= now - 10 * MIN && now - 10 * MIN < b.start + MIN)!;
    expect(r1).toMatchObject({ requests: 1, requests_per_minute: 1, latency_ms: { p50: 100 } });
    expect(r1.cost_per_hour_usd).toBeCloseTo(0.6, 12);
    // Answering calls only: the aggregator's call is not traffic to an expert.
    expect(s.experts).toEqual([
      { expert: 'a', calls: 3, share: 0.75, cost_usd: expect.closeTo(0.003, 12) },
      { expert: 'b', calls: 1, share: 0.25, cost_usd: expect.closeTo(0.001, 12) },
    ]);

    const six = await stats('6h');
    expect(six.bucket_ms).toBe(5 * MIN);
    expect(six.totals.requests).toBe(4);
    expect(six.totals.latency_ms.p99).toBe(5000);
    expect(six.buckets.find((b) => b.requests === 1 && b.latency_ms.p50 === 5000)!.requests_per_minute).toBeCloseTo(0.2, 12);
    expect(six.experts.find((e) => e.expert === 'b')!.calls).toBe(2);
    expect((await stats('7d')).bucket_ms).toBe(60 * MIN);
  });

  it('answers an empty window with zeros and nulls', async () => {
    const s = await stats('24h');
    expect(s.totals).toEqual({ requests: 0, errors: 0, cost_usd: 0, latency_ms: { p50: null, p95: null, p99: null }, feedback: 0, accuracy: null });
    expect(s.experts).toEqual([]);
  });

  it('rejects an unknown window and needs the admin token', async () => {
    const res = await call('/admin/api/stats?window=2h', { admin: true });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('window');
    expect((await call('/admin/api/stats', { key: null })).status).toBe(401);
  });
});

describe('GET /admin/api/experts/health', () => {
  it('gives each expert its last hour: error rate over answering calls (hedged losers left out), p50/p95 of successes, circuit', async () => {
    await replayExpert('a');
    await replayExpert('b');
    await replayExpert('idle');
    const now = Date.now();
    await insertRoute({
      id: 'r1',
      at: now - 5 * MIN,
      latency: 400,
      calls: [
        ['a', 'ok', 100],
        ['a', 'ok', 300],
        ['a', 'error', 50],
        ['a', 'cancelled', 5],
        ['b', 'ok', 40],
        ['b', 'timeout', 30000],
      ],
    });
    await insertRoute({ id: 'old', at: now - 2 * 60 * MIN, latency: 400, calls: [['a', 'error', 10]] });
    const res = await call('/admin/api/experts/health', { admin: true });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: Record<string, unknown>[] };
    expect(data).toEqual([
      { expert: 'a', calls: 3, errors: 1, error_rate: 1 / 3, p50_ms: 100, p95_ms: 300, circuit: 'closed', not_callable: null },
      { expert: 'b', calls: 2, errors: 1, error_rate: 0.5, p50_ms: 40, p95_ms: 40, circuit: 'closed', not_callable: null },
      { expert: 'idle', calls: 0, errors: 0, error_rate: null, p50_ms: null, p95_ms: null, circuit: 'closed', not_callable: null },
    ]);
    // Mounted before /experts/:id, which still serves real ids.
    expect((await call('/admin/api/experts/a', { admin: true })).status).toBe(200);
    expect((await call('/admin/api/experts/health', { key: null })).status).toBe(401);
  });

  it('does not count the client’s misses (a prompt the replay never recorded) as the expert’s errors', async () => {
    await replayExpert('gemini-1.5-pro-002');
    expect((await chat({ model: 'gemini-1.5-pro-002', messages: [{ role: 'user', content: 'What is the capital of France?' }] })).status).toBe(422);
    expect((await chat({ model: 'gemini-1.5-pro-002' })).status).toBe(200);
    const { data } = (await (await call('/admin/api/experts/health', { admin: true })).json()) as { data: { expert: string; calls: number; errors: number }[] };
    expect(data).toEqual([expect.objectContaining({ expert: 'gemini-1.5-pro-002', calls: 1, errors: 0, error_rate: 0 })]);
    const miss = await env.DB.prepare("select status, error_source from route_calls where status = 'error'").all();
    expect(miss.results).toEqual([{ status: 'error', error_source: 'client' }]);
    // Nor as its traffic: the overview's share of answering calls counts the one that answered.
    expect((await stats()).experts).toEqual([expect.objectContaining({ expert: 'gemini-1.5-pro-002', calls: 1, share: 1 })]);
  });
});
