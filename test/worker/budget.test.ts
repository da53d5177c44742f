import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDb } from '../../worker/db/client';
import { insertRouteRecord } from '../../worker/db/history-write';
import { RESERVATION_TTL_MS } from '../../worker/limits/key-limiter';
import { planRoute } from '../../router/plan';
import { call, chat, RECORDED_PROMPT, replayExpert, routeRecord } from './helpers';

// Budgets hold under concurrency: each admitted request reserves its estimated cost in the key's
// Durable Object before any expert is called, and settles with its real cost after.

async function createKey(json: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const res = await call('/admin/api/keys', { method: 'POST', admin: true, json });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; key: string };
}

const spentBy = async (keyId: string) =>
  (await env.DB.prepare('select coalesce(sum(cost_usd), 0) as usd, count(*) as n from routes where api_key_id = ? and status = ?')
    .bind(keyId, 'ok')
    .first<{ usd: number; n: number }>())!;

/** One request's reservation: the plan's estimate for a single replay expert. */
function oneRequestEstimate(): number {
  const expert = {
    id: 'gemini-1.5-pro-002',
    provider: 'replay' as const,
    model: 'gemini-1.5-pro-002',
    endpointUrl: null,
    apiKeySecret: null,
    inputPricePerMTok: 1.25,
    outputPricePerMTok: 5,
    skills: [],
    tags: [],
    enabled: true,
  };
  const decision = { strategy: 'fixed', ranked: [{ expertId: expert.id, score: 1 }], stages: [[{ expertId: expert.id, score: 1 }]] };
  return planRoute(
    { prompt: RECORDED_PROMPT, messages: [{ role: 'user', content: RECORDED_PROMPT }] },
    { name: 'x', strategy: 'fixed', aggregate: 'first' },
    decision,
    [expert],
  ).estimatedCostUsd;
}

describe('budgets under concurrency', () => {
  beforeEach(async () => {
    await replayExpert('gemini-1.5-pro-002');
  });

  it('40 concurrent requests on a $0.003 daily budget overshoot it by at most one request', async () => {
    const budget = 0.003;
    const { id, key } = await createKey({ name: 'small', daily_budget_usd: budget });
    const responses = await Promise.all(Array.from({ length: 40 }, () => chat({ model: 'gemini-1.5-pro-002' }, { key })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s !== 200 && s !== 402)).toEqual([]);
    const spent = await spentBy(id);
    expect(spent.n).toBe(statuses.filter((s) => s === 200).length);
    expect(spent.usd).toBeLessThanOrEqual(budget + oneRequestEstimate());
    // Sequentially, requests go on until the budget is used up, then every one is refused.
    let after = 0;
    while ((await chat({ model: 'gemini-1.5-pro-002' }, { key })).status === 200) after++;
    const final = await spentBy(id);
    expect(final.usd).toBeGreaterThanOrEqual(budget);
    expect(final.usd).toBeLessThanOrEqual(budget + oneRequestEstimate());
    expect(after + spent.n).toBeGreaterThan(1);
  });

  it('the refusal says what was spent and what requests in flight hold', async () => {
    const { key } = await createKey({ name: 'tiny', daily_budget_usd: 0.0001 });
    expect((await chat({ model: 'gemini-1.5-pro-002' }, { key })).status).toBe(200); // costs ~$0.00028
    const over = await chat({ model: 'gemini-1.5-pro-002' }, { key });
    expect(over.status).toBe(402);
    const body = (await over.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('budget_exceeded');
    expect(body.error.message).toMatch(/daily budget of \$0.0001 for key 'tiny' is used up \(\$0.000\d+ spent today\)/);
  });

  it('a failed request releases its reservation: it cost nothing', async () => {
    const { id, key } = await createKey({ name: 'fails', daily_budget_usd: 0.0005 });
    const failed = await chat({ model: 'gemini-1.5-pro-002', messages: [{ role: 'user', content: 'not a recorded prompt' }] }, { key });
    expect(failed.status).toBe(422);
    const stub = env.KEY_LIMITER.get(env.KEY_LIMITER.idFromName(id));
    expect(await stub.spend(id)).toMatchObject({ dayUsd: 0, reservedUsd: 0, inFlight: 0 });
    expect((await chat({ model: 'gemini-1.5-pro-002' }, { key })).status).toBe(200);
  });

  it('a key first seen by its limiter starts from the spend D1 already recorded for it', async () => {
    const { id, key } = await createKey({ name: 'old', monthly_budget_usd: 1 });
    const now = Date.now();
    await insertRouteRecord(
      createDb(env.DB),
      routeRecord({ id: 'rt_before', createdAt: now - 1000, apiKeyId: id, usage: { promptTokens: 1, completionTokens: 1 }, costUsd: 1.5 }),
    );
    const over = await chat({ model: 'gemini-1.5-pro-002' }, { key });
    expect(over.status).toBe(402);
    expect(((await over.json()) as { error: { message: string } }).error.message).toMatch(/monthly budget of \$1 .*\$1\.500000 spent this month/);
  });

  it('a reservation never settled (its isolate died) is charged at its estimate once it expires', async () => {
    const stub = env.KEY_LIMITER.get(env.KEY_LIMITER.idFromName('key_lost'));
    const limits = { keyId: 'key_lost', rpmLimit: null, dailyBudgetUsd: 1, monthlyBudgetUsd: null };
    const t0 = Date.now();
    expect(await stub.admit({ ...limits, estimateUsd: 0.6 }, t0)).toMatchObject({ allowed: true });
    expect(await stub.admit({ ...limits, estimateUsd: 0.6 }, t0 + 1)).toMatchObject({ allowed: true });
    expect(await stub.admit({ ...limits, estimateUsd: 0.6 }, t0 + 2)).toMatchObject({ allowed: false, limit: 'daily_budget', reservedUsd: 1.2 });
    expect(await stub.spend('key_lost', t0 + RESERVATION_TTL_MS + 10)).toMatchObject({ dayUsd: 1.2, reservedUsd: 0, inFlight: 0 });
  });
});
