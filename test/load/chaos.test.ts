import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerExpert, startBench, type Bench } from '../../scripts/lib/load';
import { queryLocalD1 } from '../support/local-d1';

// Chaos through the running gateway (wrangler dev, local D1): wide routes (Mixture-of-Agents layers,
// `all` over 14 experts, votes over 11), 2.5 MB answers, an expert that always fails, 100
// connections, and a fifth of all history batch writes failing on purpose. Every answered request
// must have its route with every one of its calls, and no request may be recorded twice.
// 500 requests keep `npm test` near 90 s on 2 shared cores; CHAOS_REQUESTS=2000 is the full run.

const REQUESTS = Number(process.env.CHAOS_REQUESTS ?? 500);
const CONNECTIONS = 100;
const ECHO = Array.from({ length: 12 }, (_, i) => `chaos-echo-${i}`);
let bench: Bench;

beforeAll(async () => {
  bench = await startBench({ CHAOS_HISTORY_FAILURE_RATE: '0.2' });
  for (const id of ECHO)
    await registerExpert(bench.gw, { id, provider: 'openai', model: 'echo', endpoint_url: bench.peer.url, input_price_per_mtok: 1, output_price_per_mtok: 2 });
  await registerExpert(bench.gw, { id: 'chaos-fail', provider: 'openai', model: 'status-500', endpoint_url: bench.peer.url });
  await registerExpert(bench.gw, { id: 'chaos-huge', provider: 'openai', model: 'long-2500000', endpoint_url: bench.peer.url });
}, 180_000);

afterAll(async () => {
  await bench?.close();
});

/** The routing of request `i`: mostly wide routes, some huge answers and a failing expert. */
function routingOf(i: number): Record<string, unknown> {
  switch (i % 10) {
    case 0:
    case 1:
      return { strategy: 'fixed', experts: ECHO.slice(0, 3), aggregate: 'layers', aggregator: ECHO[3], rounds: 2 };
    case 2:
    case 3:
      // Every expert but the huge one, the failing one included: the vote goes on without it.
      return { strategy: 'all', aggregate: 'vote', deny: ['chaos-huge'] };
    case 4:
    case 5:
    case 6:
      return { strategy: 'fixed', experts: ECHO.slice(0, 11), aggregate: 'vote' };
    case 7:
      // One in every 50 requests answers 2.5 MB: past D1's 2 MB per row.
      return { strategy: 'fixed', experts: i % 50 === 7 ? ['chaos-huge'] : [ECHO[4]!, ECHO[5]!], aggregate: 'first' };
    case 8:
      return { strategy: 'fixed', experts: ['chaos-fail'], aggregate: 'first' };
    default:
      return { strategy: 'fixed', experts: [ECHO[6]!, ECHO[7]!], aggregate: 'first' };
  }
}

const promptOf = (i: number) => `chaos request ${i}: what is ${i} + ${i}?`;

interface Outcome {
  status: number;
  routeId: string | null;
  calls: number | null;
}

async function send(i: number): Promise<Outcome> {
  try {
    const res = await fetch(`${bench.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bench.gw.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: promptOf(i) }], routing: routingOf(i) }),
    });
    const text = await res.text();
    const json = res.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as { routing?: { calls: unknown[] } }) : {};
    return { status: res.status, routeId: res.headers.get('x-route-id'), calls: json.routing?.calls.length ?? null };
  } catch {
    // The connection dropped: wrangler dev's local proxy does that when 2 cores are saturated.
    return { status: 0, routeId: null, calls: null };
  }
}

describe('chaos: wide routes, huge answers and a failing expert under load, a fifth of D1 writes failing', () => {
  it(`records every answered request of ${REQUESTS} at ${CONNECTIONS} connections with all its calls, none twice`, async () => {
    const t0 = performance.now();
    const outcomes: Outcome[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (next < REQUESTS) outcomes.push(await send(next++));
      }),
    );
    const byStatus: Record<number, number> = {};
    for (const o of outcomes) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
    const answered = outcomes.filter((o) => o.status === 200);
    // Every response the gateway itself gave names its route (the failing expert's 502 too).
    const routed = outcomes.filter((o) => o.routeId !== null);
    let rows: { id: string; prompt: string; calls: number }[] = [];
    for (let i = 0; i < 60; i++) {
      rows = queryLocalD1(
        bench.gw.persistDir,
        'select r.id as id, r.prompt as prompt, (select count(*) from route_calls c where c.route_id = r.id) as calls from routes r',
      );
      const ids = new Set(rows.map((r) => r.id));
      if (routed.every((o) => ids.has(o.routeId!))) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    console.log(
      JSON.stringify({ requests: REQUESTS, seconds: Math.round((performance.now() - t0) / 1000), byStatus, answered: answered.length, routes: rows.length }),
    );
    const recorded = new Map(rows.map((r) => [r.id, r.calls]));
    // Every answered request has its route, with every call its routing summary listed.
    expect(answered.filter((o) => !recorded.has(o.routeId!)).map((o) => o.routeId)).toEqual([]);
    expect(
      answered.filter((o) => recorded.get(o.routeId!) !== o.calls).map((o) => ({ route: o.routeId, calls: o.calls, recorded: recorded.get(o.routeId!) })),
    ).toEqual([]);
    expect(routed.filter((o) => !recorded.has(o.routeId!)).map((o) => o.routeId)).toEqual([]);
    // No request recorded twice (a retried batch write must not duplicate), and nothing unsent. A
    // request whose connection the local proxy dropped may still have been answered and recorded
    // by the Worker, so routes can exceed the responses seen, never the requests sent.
    const indices = rows.map((r) => Number(/^chaos request (\d+):/.exec(r.prompt)?.[1]));
    expect(new Set(indices).size).toBe(rows.length);
    expect(indices.every((i) => Number.isInteger(i) && i >= 0 && i < REQUESTS)).toBe(true);
    expect(byStatus[500] ?? 0).toBe(0);
    // Refused by design: the always-failing expert's requests (502, then 503 once its circuit opens).
    // Dropped by wrangler dev's saturated local proxy (connections reset, 503 "worker restarted"
    // without a route): 4-28% in runs on 2 shared cores, so only a gateway gone is failed here.
    expect(outcomes.filter((o) => o.routeId === null).length).toBeLessThan(REQUESTS * 0.4);
    expect(answered.length).toBeGreaterThan(REQUESTS * 0.4);
  }, 600_000);
});
