import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../worker/db/client';
import { insertRouteRecord, insertRouteRecords } from '../../worker/db/history-write';
import { deletePolicy, upsertPolicy } from '../../worker/db/policies';
import type { CallRecord, RouteRecord } from '../../worker/history/record';
import { runScheduled } from '../../worker/scheduled';
import { session } from './dashboard-session';
import { checkedD1 } from './d1-limits';
import { call, chat, replayExpert, routeRecord } from './helpers';
import { policyLabels, scrape } from './scrape';

const DAY = 86_400_000;

function call_(expertId: string, at: number, cost: number, status: CallRecord['status'] = 'ok'): CallRecord {
  return {
    expertId,
    role: 'expert',
    stage: 0,
    status,
    startedAt: at,
    latencyMs: 5,
    usage: { promptTokens: 10, completionTokens: 2 },
    costUsd: cost,
    attempts: 1,
    text: status === 'ok' ? 'x' : null,
    error: null,
  };
}

function route(id: string, at: number, apiKeyId: string | null, policy: string, calls: CallRecord[]): RouteRecord {
  const cost = calls.reduce((s, c) => s + c.costUsd, 0);
  return routeRecord({
    id,
    createdAt: at,
    apiKeyId,
    model: policy,
    policy,
    aggregation: 'vote',
    latencyMs: 5,
    usage: { promptTokens: 10 * calls.length, completionTokens: 2 * calls.length },
    costUsd: cost,
    calls,
  });
}

interface SpendBody {
  by: string;
  period: string;
  since: string;
  until: string;
  total_cost_usd: number;
  totals: Record<string, unknown>[];
  data: Record<string, unknown>[];
}

const get = async (qs: string, over: Partial<typeof env> = {}) => {
  const res = await call(`/admin/api/spend?${qs}`, { admin: true, env: over });
  return { status: res.status, body: (await res.json()) as SpendBody & { error?: { param: string } } };
};

describe('GET /admin/api/spend', () => {
  it('per key, policy and expert, per day and month, live history and rolled-up days together', async () => {
    const now = Date.UTC(2026, 11, 4, 12);
    const db = createDb(env.DB);
    const keyA = ((await (await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'team-a' } })).json()) as { id: string }).id;
    // 40 days ago (rolled up by the cron job below), then two days in this month.
    await insertRouteRecord(db, route('r_old', now - 40 * DAY, keyA, 'economy', [call_('a', now - 40 * DAY, 0.5)]));
    await insertRouteRecord(db, route('r_1', now - 1 * DAY, keyA, 'economy', [call_('a', now - DAY, 0.25), call_('b', now - DAY, 0.125)]));
    await insertRouteRecord(db, route('r_2', now, null, 'quality', [call_('b', now, 1), call_('c', now, 0, 'error')]));
    await runScheduled({ ...env, RETENTION_DAYS: '30' }, now);

    const byKeyDay = await get('by=key&period=day&since=2026-10-20&until=2026-12-04');
    expect(byKeyDay.status).toBe(200);
    expect(byKeyDay.body.data).toEqual([
      { period: '2026-10-25', key: keyA, name: 'team-a', requests: 1, errors: 0, prompt_tokens: 10, completion_tokens: 2, cost_usd: 0.5 },
      { period: '2026-12-03', key: keyA, name: 'team-a', requests: 1, errors: 0, prompt_tokens: 20, completion_tokens: 4, cost_usd: 0.375 },
      { period: '2026-12-04', key: null, name: 'dev key', requests: 1, errors: 0, prompt_tokens: 20, completion_tokens: 4, cost_usd: 1 },
    ]);
    expect(byKeyDay.body.totals.map((t) => [t.name, t.cost_usd])).toEqual([
      ['dev key', 1],
      ['team-a', 0.875],
    ]);
    expect(byKeyDay.body.total_cost_usd).toBe(1.875);

    const byPolicyMonth = await get('by=policy&period=month&since=2026-10-01&until=2026-12-31');
    expect(byPolicyMonth.body.data.map((r) => [r.period, r.policy, r.cost_usd])).toEqual([
      ['2026-10', 'economy', 0.5],
      ['2026-12', 'quality', 1],
      ['2026-12', 'economy', 0.375],
    ]);

    const byExpert = await get('by=expert&period=month&since=2026-10-01&until=2026-12-31');
    expect(byExpert.body.totals.map((t) => [t.expert, t.requests, t.errors, t.cost_usd])).toEqual([
      ['b', 2, 0, 1.125],
      ['a', 2, 0, 0.75],
      ['c', 1, 1, 0],
    ]);
    const onlyA = await get(`by=key&period=month&key=${keyA}&since=2026-10-01&until=2026-12-31`);
    expect(onlyA.body.totals).toEqual([expect.objectContaining({ key: keyA, cost_usd: 0.875, requests: 2 })]);
    const dev = await get('by=key&period=month&key=dev&since=2026-10-01&until=2026-12-31');
    expect(dev.body.totals).toEqual([expect.objectContaining({ key: null, cost_usd: 1 })]);
  });

  it('defaults to the last 30 days, and names a bad window or filter', async () => {
    const res = await get('');
    expect(res.body).toMatchObject({ by: 'key', period: 'day', data: [], totals: [], total_cost_usd: 0 });
    expect((Date.parse(res.body.until) - Date.parse(res.body.since)) / DAY).toBe(29);
    expect((await get('since=2026-12-05&until=2026-12-01')).body.error!.param).toBe('since');
    expect((await get('since=2020-01-01&until=2026-12-01')).body.error!.param).toBe('since');
    expect((await get('since=yesterday')).body.error!.param).toBe('since');
    expect((await get('by=policy&expert=a')).body.error!.param).toBe('expert');
    expect((await get('by=team')).status).toBe(400);
  });
});

describe('the policy spend is reported under', () => {
  /** Spend per policy over every day there is, and the metrics: both report the same policies, with the same counts and costs. */
  async function reported(over: Partial<typeof env> = {}) {
    const window = `since=${new Date(Date.now() - 40 * DAY).toISOString().slice(0, 10)}&until=${new Date(Date.now() + 2 * DAY).toISOString().slice(0, 10)}`;
    const totals = (await get(`by=policy&period=day&${window}`, over)).body.totals;
    const metrics = await scrape({ env: over });
    expect(policyLabels(metrics)).toEqual(new Set(totals.map((t) => t.policy)));
    for (const t of totals) {
      const label = `policy="${t.policy}"`;
      expect(metrics.get(`conclave_routes_total{${label},outcome="failed"}`), label).toBe(t.errors);
      expect(metrics.get(`conclave_routes_total{${label},outcome="ok"}`), label).toBe((t.requests as number) - (t.errors as number));
      expect(metrics.get(`conclave_route_cost_usd_total{${label}}`), label).toBeCloseTo(t.cost_usd as number, 12);
    }
    return new Map(totals.map((t) => [t.policy as string, { requests: t.requests, errors: t.errors, cost_usd: t.cost_usd }]));
  }

  it('its name when it resolved, deleted since or not, before and after retention; (unknown) for names that never resolved', async () => {
    const now = Date.now();
    const db = createDb(env.DB);
    const keyA = ((await (await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'team-a' } })).json()) as { id: string }).id;
    // What `model` can name: a built-in policy, saved ones, an expert; 120 more saved policies, so
    // the names would be past D1's 100 bound parameters a statement were they bound one by one.
    await replayExpert('gemini-1.5-pro-002');
    for (const name of ['team-policy', 'doomed', ...Array.from({ length: 120 }, (_, i) => `saved-${i}`)])
      await upsertPolicy(db, name, '', { strategy: 'fixed', experts: ['gemini-1.5-pro-002'], aggregate: 'first' });

    // What the recorder stores: a policy's strategy once the request resolved it, refused later or
    // not (over budget); 'none' for a model that names nothing, and for a header refused before
    // anything resolved.
    const tiny = (await (await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'tiny', daily_budget_usd: 0.000001 } })).json()) as {
      key: string;
    };
    const sent = [
      [await chat({ model: 'doomed' }, { key: tiny.key }), 200, 'fixed'],
      [await chat({ model: 'doomed' }, { key: tiny.key }), 402, 'fixed'],
      [await chat({ model: 'no-such-model-sent' }), 404, 'none'],
      [await chat({ model: 'auto' }, { headers: { 'x-routing-policy': '{' } }), 400, 'none'],
    ] as const;
    for (const [res, status, strategy] of sent) {
      expect(res.status).toBe(status);
      const row = await env.DB.prepare('select strategy from routes where id = ?').bind(res.headers.get('x-route-id')).first();
      expect(row, `${status}`).toEqual({ strategy });
    }

    // 50 names that never resolved, on two days and two keys, refused as a real one is (no call, no
    // cost); and a resolved route of each policy, each with a call that cost something.
    const unresolved = Array.from({ length: 50 }, (_, i) =>
      routeRecord({
        id: `r_unknown_${i}`,
        createdAt: now - (i < 25 ? 3 : 2) * DAY,
        apiKeyId: i % 2 ? keyA : null,
        model: `no-such-model-${i}`,
        policy: `no-such-model-${i}`,
        strategy: 'none',
        status: 'error',
        httpStatus: 404,
        response: null,
      }),
    );
    const policies = ['economy', 'team-policy', 'doomed', 'gemini-1.5-pro-002'];
    const resolved = policies.map((p, i) => route(`r_known_${i}`, now - 3 * DAY, keyA, p, [call_('gemini-1.5-pro-002', now - 3 * DAY, 0.5)]));
    await insertRouteRecords(db, [...unresolved, ...resolved]);

    const sums = async (table: string, count: string) =>
      env.DB.prepare(
        `select sum(${count}) as n, sum(errors) as errors, sum(prompt_tokens) as pt, sum(completion_tokens) as ct, sum(cost_usd) as cost from ${table}`,
      ).first();
    const liveRoutes = await sums("(select 1 as n, status != 'ok' as errors, prompt_tokens, completion_tokens, cost_usd from routes)", 'n');
    const liveCalls = await sums("(select 1 as n, status != 'ok' as errors, prompt_tokens, completion_tokens, cost_usd from route_calls)", 'n');
    expect(liveRoutes).toMatchObject({ n: 58 });

    // Every statement below runs checked against D1's limits: the names bind no parameters.
    const checked = checkedD1(env.DB);
    const over = { DB: checked.db };
    const admin = await session();
    const page = async () => (await call('/admin/spend?by=policy', { key: null, headers: { cookie: admin.cookie }, env: over })).text();

    const before = await reported(over);
    expect([...before.keys()].sort()).toEqual(['(unknown)', 'auto', ...policies].sort());
    expect(before.get('(unknown)')).toEqual({ requests: 51, errors: 51, cost_usd: 0 });
    expect(before.get('doomed')).toMatchObject({ requests: 3, errors: 1 });
    expect(before.get('doomed')!.cost_usd).toBeGreaterThan(0.5);
    const onlyUnknown = (await get(`by=policy&period=month&policy=(unknown)`, over)).body.totals;
    expect(onlyUnknown).toEqual([expect.objectContaining({ policy: '(unknown)', requests: 51 })]);
    expect((await page()).split('<th scope="row">(unknown)</th>')).toHaveLength(2);
    expect(await page()).not.toContain('no-such-model');

    // A deleted policy's past spend stays under its name, before retention and after.
    await deletePolicy(db, 'doomed');
    expect(await reported(over)).toEqual(before);
    expect(await runScheduled({ ...env, ...over, RETENTION_DAYS: '1' }, now + 2 * DAY)).toMatchObject({ pruned: 58 });
    // One rollup row per day and key for all 50 names, every count and cost kept; a refused request
    // calls nothing, so the per-expert rollups have none of them.
    const perDay = await env.DB.prepare('select policy from daily_route_rollups').all<{ policy: string }>();
    expect(new Set(perDay.results.map((r) => r.policy))).toEqual(new Set(before.keys()));
    expect(perDay.results.filter((r) => r.policy === '(unknown)')).toHaveLength(5);
    const perExpert = await env.DB.prepare('select distinct policy from daily_rollups').all<{ policy: string }>();
    expect(new Set(perExpert.results.map((r) => r.policy))).toEqual(new Set(policies));
    expect(await sums('daily_route_rollups', 'requests')).toEqual(liveRoutes);
    expect(await sums('daily_rollups', 'calls')).toEqual(liveCalls);
    expect(await reported(over)).toEqual(before);

    await deletePolicy(db, 'team-policy');
    expect(await reported(over)).toEqual(before);
  });

  it('its name when rolled up before names were folded and it spent something; (unknown) when it names nothing and spent nothing', async () => {
    const day = new Date(Date.now() - 35 * DAY).toISOString().slice(0, 10);
    // Rollups written before retention folded names kept each name as sent.
    const rows = [
      ['economy', 2, 2, 0, 0, 0],
      ['deleted-before', 2, 1, 20, 4, 0.75],
      ['free-but-answered', 1, 0, 0, 0, 0],
      ['junk-1', 3, 3, 0, 0, 0],
      ['junk-2', 4, 4, 0, 0, 0],
    ] as const;
    for (const [policy, requests, errors, pt, ct, cost] of rows)
      await env.DB.prepare(
        "insert into daily_route_rollups (day, policy, api_key_id, requests, errors, prompt_tokens, completion_tokens, cost_usd, latency_ms_sum) values (?, ?, '', ?, ?, ?, ?, ?, 0)",
      )
        .bind(day, policy, requests, errors, pt, ct, cost)
        .run();
    expect(await reported()).toEqual(
      new Map([
        ['(unknown)', { requests: 7, errors: 7, cost_usd: 0 }],
        ['deleted-before', { requests: 2, errors: 1, cost_usd: 0.75 }],
        ['economy', { requests: 2, errors: 2, cost_usd: 0 }],
        ['free-but-answered', { requests: 1, errors: 0, cost_usd: 0 }],
      ]),
    );
  });
});

describe('keys show their spend against their budgets', () => {
  it('today and this month, in the list and for one key', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const created = (await (
      await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'budgeted', daily_budget_usd: 1, monthly_budget_usd: 10 } })
    ).json()) as { id: string; key: string };
    expect((await chat({ model: 'gemini-1.5-pro-002' }, { key: created.key })).status).toBe(200);
    const one = (await (await call(`/admin/api/keys/${created.id}`, { admin: true })).json()) as {
      daily_budget_usd: number;
      spend: { today_usd: number; month_usd: number };
    };
    expect(one.daily_budget_usd).toBe(1);
    expect(one.spend.today_usd).toBeGreaterThan(0);
    expect(one.spend.month_usd).toBe(one.spend.today_usd);
    const list = (await (await call('/admin/api/keys', { admin: true })).json()) as { data: { id: string; spend: { today_usd: number } }[] };
    expect(list.data.find((k) => k.id === created.id)!.spend.today_usd).toBe(one.spend.today_usd);
    // Changing or revoking a key answers with the key as GET shows it, its spend included.
    const spendOf = async (res: Response) => ((await res.json()) as { spend: { today_usd: number; month_usd: number } }).spend;
    const patched = await call(`/admin/api/keys/${created.id}`, { method: 'PATCH', admin: true, json: { daily_budget_usd: 2 } });
    expect(await spendOf(patched)).toEqual(one.spend);
    expect(await spendOf(await call(`/admin/api/keys/${created.id}`, { method: 'DELETE', admin: true }))).toEqual(one.spend);
  });
});
