import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { createDb } from '../../worker/db/client';
import { insertRouteRecord } from '../../worker/db/history-write';
import { RESERVATION_TTL_MS } from '../../worker/limits/key-limiter';
import { planRoute } from '../../router/plan';
import { addExpert, call, chat, RECORDED_PROMPT, replayExpert, routeRecord, seedArtifacts } from './helpers';

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

  it('a reservation made before the plan was known is raised to the plan, never lowered', async () => {
    const stub = env.KEY_LIMITER.get(env.KEY_LIMITER.idFromName('key_early'));
    const admitted = await stub.admit({ keyId: 'key_early', rpmLimit: null, dailyBudgetUsd: 1, monthlyBudgetUsd: null, estimateUsd: 0 });
    const reservation = (admitted as { reservation: string }).reservation;
    await stub.reserve(reservation, 0.4);
    await stub.reserve(reservation, 0.1);
    expect(await stub.spend('key_early')).toMatchObject({ reservedUsd: 0.4, inFlight: 1 });
    await stub.settle(reservation, 0.05);
    expect(await stub.spend('key_early')).toMatchObject({ dayUsd: 0.05, reservedUsd: 0, inFlight: 0 });
  });
});

describe("a strategy's own calls (the LLM skill extractor) and the key's limits", () => {
  const KW = 'say:probability, statistics';
  const kwCalls = async () => ((await (await fetch(`${inject('peerUrl')}/stats`)).json()) as { byModel: Record<string, number> }).byModel[KW] ?? 0;
  const skill = { model: 'auto', routing: { strategy: 'skill', extractor: 'llm', allow: ['kw'] } };

  beforeEach(async () => {
    await seedArtifacts();
    // The only eligible expert is also the extractor (3 calls), then the answering expert.
    await addExpert({ id: 'kw', provider: 'openai', model: KW, endpoint_url: inject('peerUrl'), input_price_per_mtok: 1, output_price_per_mtok: 1 });
  });

  it('a key past its rate limit or budget pays for no extractor call: it is refused before them', async () => {
    const limited = await createKey({ name: 'rpm', rpm_limit: 1 });
    expect((await chat({ model: 'kw' }, { key: limited.key })).status).toBe(200);
    const spent = await createKey({ name: 'spent', daily_budget_usd: 0.000001 });
    expect((await chat({ model: 'kw' }, { key: spent.key })).status).toBe(200);
    for (const [key, status] of [
      [limited, 429],
      [spent, 402],
    ] as const) {
      const before = await kwCalls();
      const res = await chat(skill, { key: key.key });
      expect(res.status).toBe(status);
      expect(await kwCalls()).toBe(before);
      const id = res.headers.get('x-route-id');
      // The refusal is recorded, with no call.
      expect(await env.DB.prepare('select http_status from routes where id = ?').bind(id).first()).toEqual({ http_status: status });
      const calls = await env.DB.prepare('select count(*) as n from route_calls where route_id = ?').bind(id).first<{ n: number }>();
      expect(calls!.n).toBe(0);
    }
  });

  it('an admitted key is charged for the extractor calls with the rest, and counted once against its rate limit', async () => {
    const { id, key } = await createKey({ name: 'ok', rpm_limit: 2, daily_budget_usd: 1 });
    const res = await chat(skill, { key });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    const body = (await res.json()) as { routing: { total_cost_usd: number; calls: { role: string }[] } };
    expect(body.routing.calls.filter((c) => c.role === 'extractor')).toHaveLength(3);
    const stub = env.KEY_LIMITER.get(env.KEY_LIMITER.idFromName(id));
    const spend = await stub.spend(id);
    expect(spend).toMatchObject({ reservedUsd: 0, inFlight: 0 });
    expect(spend.dayUsd).toBeCloseTo(body.routing.total_cost_usd, 12);
  });
});
