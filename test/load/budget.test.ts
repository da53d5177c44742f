import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBench, type Bench } from '../../scripts/lib/load';
import { queryLocalD1 } from '../support/local-d1';

// A key's budget under a burst of concurrent requests through the running gateway: every request
// reserves its estimated cost in the key's Durable Object before any expert is called, so the
// spend recorded for the key never passes the budget by more than one request.

let bench: Bench;

beforeAll(async () => {
  bench = await startBench();
}, 120_000);

afterAll(async () => {
  await bench?.close();
});

const admin = (path: string, body: unknown) =>
  fetch(`${bench.gw.url}/admin/api${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bench.gw.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('budget under bursts of 200 concurrent requests', () => {
  it('is used up and overshot by at most one request', async () => {
    const budget = 0.002;
    const created = (await (await admin('/keys', { name: 'burst', daily_budget_usd: budget })).json()) as { id: string; key: string };
    // max_tokens bounds each request's estimate near its real cost (~$0.00005 on the echo peer), so
    // about 40 requests fit the budget and the rest must be refused while they are in flight.
    const body = JSON.stringify({ model: 'peer-echo', max_tokens: 20, messages: [{ role: 'user', content: 'What is 2 + 2? Answer with the number.' }] });
    const burst = () =>
      Promise.all(
        Array.from({ length: 200 }, async () => {
          const res = await fetch(`${bench.gw.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${created.key}`, 'content-type': 'application/json' },
            body,
          });
          const text = await res.text();
          if (res.status !== 200 && res.status !== 402) console.log(res.status, text.slice(0, 300));
          const json = (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : {}) as { routing?: { total_cost_usd: number } };
          return { status: res.status, cost: json.routing?.total_cost_usd ?? 0 };
        }),
      );
    // Bursts until one is refused whole: the budget is then used up.
    const responses: { status: number; cost: number }[] = [];
    for (let i = 0; i < 6; i++) {
      const round = await burst();
      responses.push(...round);
      console.log(JSON.stringify({ burst: i, answered: round.filter((r) => r.status === 200).length, refused: round.filter((r) => r.status === 402).length }));
      if (!round.some((r) => r.status === 200)) break;
    }
    const answered = responses.filter((r) => r.status === 200);
    const oneRequest = Math.max(...answered.map((r) => r.cost));
    expect(responses.filter((r) => r.status !== 200 && r.status !== 402).map((r) => r.status)).toEqual([]);
    expect(answered.length).toBeGreaterThan(1);
    const answeredCost = answered.reduce((s, r) => s + r.cost, 0);
    // The recorded spend once every write has settled.
    let recorded = 0;
    for (let i = 0; i < 20; i++) {
      recorded = queryLocalD1<{ usd: number }>(
        bench.gw.persistDir,
        `select coalesce(sum(cost_usd), 0) as usd from routes where api_key_id = '${created.id}'`,
      )[0]!.usd;
      if (Math.abs(recorded - answeredCost) < 1e-12) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    console.log(JSON.stringify({ recorded, overshoot: recorded - budget, overshootRequests: (recorded - budget) / oneRequest }));
    expect(recorded).toBeCloseTo(answeredCost, 12);
    expect(recorded).toBeGreaterThanOrEqual(budget);
    expect(recorded - budget).toBeLessThanOrEqual(oneRequest + 1e-12);
  }, 180_000);
});
