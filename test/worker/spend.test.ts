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

describe('a model that names no policy or expert', () => {
  it('is one (unknown) policy in the rollups and the report, before and after retention, totals exact', async () => {
    const now = Date.now();
    const db = createDb(env.DB);
    const keyA = ((await (await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'team-a' } })).json()) as { id: string }).id;
    // What `model` can name: a built-in policy, a saved one, an expert; 120 more saved policies, so
    // the names would be past D1's 100 bound parameters a statement were they bound one by one.
    await replayExpert('gemini-1.5-pro-002');
    for (const name of ['team-policy', ...Array.from({ length: 120 }, (_, i) => `saved-${i}`)])
      await upsertPolicy(db, name, '', { strategy: 'fixed', experts: ['gemini-1.5-pro-002'], aggregate: 'first' });
    const known = ['economy', 'team-policy', 'gemini-1.5-pro-002'];
    // 50 names no policy or expert has, on two days and two keys, each with a call and a cost (as a
    // since-deleted policy's routes have; a refused request's cost nothing), and one refused for real.
    const unknown = Array.from({ length: 50 }, (_, i) => {
      const at = now - (i < 25 ? 3 : 2) * DAY;
      return route(`r_unknown_${i}`, at, i % 2 ? keyA : null, `no-such-model-${i}`, [call_('gemini-1.5-pro-002', at, (i % 4) * 0.25, i % 5 ? 'ok' : 'error')]);
    });
    const named = known.map((p, i) => route(`r_known_${i}`, now - 3 * DAY, keyA, p, [call_('gemini-1.5-pro-002', now - 3 * DAY, 0.5)]));
    await insertRouteRecords(db, [...unknown, ...named]);
    expect((await chat({ model: 'no-such-model-sent' })).status).toBe(404);

    const sums = async (table: string, count: string) =>
      env.DB.prepare(
        `select sum(${count}) as n, sum(errors) as errors, sum(prompt_tokens) as pt, sum(completion_tokens) as ct, sum(cost_usd) as cost from ${table}`,
      ).first();
    const liveRoutes = await sums("(select 1 as n, status != 'ok' as errors, prompt_tokens, completion_tokens, cost_usd from routes)", 'n');
    const liveCalls = await sums("(select 1 as n, status != 'ok' as errors, prompt_tokens, completion_tokens, cost_usd from route_calls)", 'n');
    expect(liveRoutes).toMatchObject({ n: 54, cost: 18.25 + 1.5 });

    // Every statement below runs checked against D1's limits: the names bind no parameters.
    const checked = checkedD1(env.DB);
    const over = { DB: checked.db };
    const window = `since=${new Date(now - 5 * DAY).toISOString().slice(0, 10)}&until=${new Date(now + 2 * DAY).toISOString().slice(0, 10)}`;
    const admin = await session();
    const reports = async () => ({
      policyDay: (await get(`by=policy&period=day&${window}`, over)).body,
      policyMonth: (await get(`by=policy&period=month&${window}`, over)).body,
      keyDay: (await get(`by=key&period=day&${window}`, over)).body,
      onlyUnknown: (await get(`by=policy&period=day&policy=(unknown)&${window}`, over)).body,
      page: await (await call('/admin/spend?by=policy', { key: null, headers: { cookie: admin.cookie }, env: over })).text(),
    });
    const before = await reports();
    expect(before.policyDay.totals.map((t) => t.policy).sort()).toEqual(['(unknown)', ...known].sort());
    expect(before.policyDay.totals.find((t) => t.policy === '(unknown)')).toMatchObject({ requests: 51, errors: 1, cost_usd: 18.25 });
    expect(before.policyMonth.totals.filter((t) => t.policy === '(unknown)')).toHaveLength(1);
    expect(before.onlyUnknown.totals).toEqual([before.policyDay.totals.find((t) => t.policy === '(unknown)')]);
    expect(before.page.split('<th scope="row">(unknown)</th>')).toHaveLength(2);
    expect(before.page).not.toContain('no-such-model');

    expect(await runScheduled({ ...env, ...over, RETENTION_DAYS: '1' }, now + 2 * DAY)).toMatchObject({ pruned: 54 });
    // One row per day and key (per day and expert) for all 50 names, every count and cost kept.
    const perDay = await env.DB.prepare('select policy, day, api_key_id, requests from daily_route_rollups order by day, api_key_id, policy').all<{
      policy: string;
    }>();
    expect(new Set(perDay.results.map((r) => r.policy))).toEqual(new Set(['(unknown)', ...known]));
    expect(perDay.results.filter((r) => r.policy === '(unknown)')).toHaveLength(5);
    const perExpert = await env.DB.prepare('select policy from daily_rollups').all<{ policy: string }>();
    expect(perExpert.results.filter((r) => r.policy === '(unknown)')).toHaveLength(2);
    expect(await sums('daily_route_rollups', 'requests')).toEqual(liveRoutes);
    expect(await sums('daily_rollups', 'calls')).toEqual(liveCalls);

    expect(await reports()).toEqual(before);

    // A policy deleted since joins them, rolled up or not, as in the metrics.
    await deletePolicy(db, 'team-policy');
    const gone = (await get(`by=policy&period=day&${window}`)).body;
    expect(gone.totals.map((t) => t.policy).sort()).toEqual(['(unknown)', 'economy', 'gemini-1.5-pro-002']);
    expect(gone.totals.find((t) => t.policy === '(unknown)')).toMatchObject({ requests: 52, errors: 1, cost_usd: 18.75 });
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
