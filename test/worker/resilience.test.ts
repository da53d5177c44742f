import { env } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import { addExpert, chat, sseEvents } from './helpers';

// Faults come from the loopback OpenAI peer (test/support/openai-peer.ts), chosen by model name.
// Circuit breakers are per isolate and tests share one, so every test uses its own expert ids.

interface Body {
  choices?: { message: { content: string } }[];
  routing?: { experts: { id: string; status: string }[]; calls: { expert: string; status: string; error?: string }[]; winner?: string };
  error?: { code: string; message: string; source: string; experts?: { expert: string; error: string }[] };
}

const peer = (id: string, model: string, price = 1) =>
  addExpert({ id, provider: 'openai', model, endpoint_url: inject('peerUrl'), input_price_per_mtok: price, output_price_per_mtok: price });
const ask = (body: Record<string, unknown>) => chat({ messages: [{ role: 'user', content: 'ping' }], ...body });
const calls = async (expertId: string) =>
  (await env.DB.prepare('select status, attempts, upstream_status from route_calls where expert_id = ? order by id').bind(expertId).all()).results;

describe('retries, fallback, breaker, timeouts', () => {
  it('retries a retryable failure with backoff and records the attempts', async () => {
    await peer('flaky-a', 'flaky-2');
    const res = await ask({ model: 'flaky-a' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Body).choices![0]!.message.content).toBe('echo: ping');
    expect(await calls('flaky-a')).toEqual([{ status: 'ok', attempts: 3, upstream_status: null }]);
  });

  it('honours Retry-After on a 429', async () => {
    await peer('limited-a', 'retry-after-1');
    const t0 = Date.now();
    const res = await ask({ model: 'limited-a' });
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(await calls('limited-a')).toEqual([{ status: 'ok', attempts: 2, upstream_status: null }]);
  });

  it('does not retry a client error from the expert', async () => {
    await peer('strict-a', 'status-400');
    const res = await ask({ model: 'strict-a' });
    // The expert refused the request's input: the client's 422 (test/worker/expert-refusals.test.ts).
    expect(res.status).toBe(422);
    expect(await calls('strict-a')).toEqual([{ status: 'error', attempts: 1, upstream_status: 400 }]);
  });

  it('falls back to the next-ranked expert when the chosen one fails', async () => {
    await peer('cheap-broken', 'status-500', 0.1);
    await peer('pricier-ok', 'echo', 5);
    const res = await ask({ model: 'auto', routing: { strategy: 'all', k: 1, allow: ['cheap-broken', 'pricier-ok'] } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Body;
    expect(body.choices![0]!.message.content).toBe('echo: ping');
    expect(body.routing!.winner).toBe('pricier-ok');
    expect(body.routing!.calls.map((c) => [c.expert, c.status])).toEqual([
      ['cheap-broken', 'error'],
      ['pricier-ok', 'ok'],
    ]);
  });

  it('opens the circuit after repeated failures, and routing then leaves the expert out', async () => {
    await peer('dying-b', 'status-503', 0.1);
    await peer('healthy-b', 'echo', 5);
    for (let i = 0; i < 2; i++) expect((await ask({ model: 'dying-b' })).status).toBe(502); // 3 attempts each
    const res = await ask({ model: 'auto', routing: { strategy: 'all', k: 1, allow: ['dying-b', 'healthy-b'] } });
    const body = (await res.json()) as Body;
    expect(body.routing!.experts.map((e) => e.id)).toEqual(['healthy-b']);
    // Named alone, it is not swapped for another: the expert's failure, 503, not the client's.
    const direct = await ask({ model: 'dying-b' });
    expect(direct.status).toBe(503);
    expect(((await direct.json()) as Body).error).toMatchObject({ code: 'circuit_open', source: 'expert' });
    // When to come back: the rest of the circuit's cooldown (30 s by default), in whole seconds.
    expect(Number(direct.headers.get('retry-after'))).toBeGreaterThanOrEqual(25);
    expect(Number(direct.headers.get('retry-after'))).toBeLessThanOrEqual(30);
  });

  it('an aggregator named by the request is not called while its circuit is open', async () => {
    await peer('dying-agg', 'status-503');
    await peer('answer-f1', 'echo');
    await peer('answer-f2', 'echo');
    for (let i = 0; i < 2; i++) expect((await ask({ model: 'dying-agg' })).status).toBe(502); // 3 attempts each
    const before = (await calls('dying-agg')).length;
    const res = await ask({
      model: 'auto',
      routing: { strategy: 'fixed', experts: ['answer-f1', 'answer-f2'], aggregate: 'synthesize', aggregator: 'dying-agg' },
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as Body).error).toMatchObject({ code: 'circuit_open', source: 'expert' });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await calls('dying-agg')).toHaveLength(before);
  });

  it('times out a slow expert at the policy deadline and says so', async () => {
    await peer('slow-c', 'slow-3000');
    const t0 = Date.now();
    const res = await ask({ model: 'slow-c', routing: { timeout_ms: 300 } });
    expect(Date.now() - t0).toBeLessThan(2500);
    expect(res.status).toBe(502);
    const body = (await res.json()) as Body;
    expect(body.error!.experts![0]!.error).toMatch(/timed out/);
    expect((await calls('slow-c'))[0]).toMatchObject({ status: 'timeout' });
  });

  it('no fallback is called once the route is past its deadline: it could only be cancelled', async () => {
    await peer('slow-g', 'slow-3000');
    await peer('fallback-g', 'echo');
    const res = await ask({ model: 'slow-g', routing: { timeout_ms: 300, fallback: 'fallback-g' } });
    expect(res.status).toBe(502);
    expect((await calls('slow-g'))[0]).toMatchObject({ status: 'timeout' });
    expect(await calls('fallback-g')).toEqual([]);
  });

  it('a hedged request answers from the faster expert', async () => {
    await peer('hedge-slow', 'slow-1500', 0.1);
    await peer('hedge-fast', 'echo', 5);
    const t0 = Date.now();
    const res = await ask({ model: 'auto', routing: { strategy: 'fixed', experts: ['hedge-slow', 'hedge-fast'], aggregate: 'first', hedge_ms: 50 } });
    const body = (await res.json()) as Body;
    expect(body.routing!.winner).toBe('hedge-fast');
    expect(Date.now() - t0).toBeLessThan(1400);
  });

  it("invalid JSON from an expert is the expert's protocol failure", async () => {
    await peer('garbled-d', 'invalid-json');
    const res = await ask({ model: 'garbled-d' });
    expect(res.status).toBe(502);
    const body = (await res.json()) as Body;
    expect(body.error!.source).toBe('expert');
    expect(body.error!.experts![0]!.expert).toBe('garbled-d');
  });

  it('the policy fallback answers when no chosen expert could', async () => {
    await peer('down-e', 'status-500');
    await peer('backup-e', 'echo');
    const res = await ask({ model: 'down-e', routing: { fallback: 'backup-e' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Body).routing!.winner).toBe('backup-e');
  });

  // README: "Never an empty 200." An answer with no text and no tool call is the expert's failure,
  // however the route reached it: one expert asked plainly or streamed, a vote over one, a race.
  it('an expert that answers with no text is a failed answer, replaced or reported, never an empty 200', async () => {
    await peer('mute-a', 'say:');
    await peer('mute-b', 'say:');
    await peer('speaks-a', 'echo');
    const named = (body: Body) => body.error?.experts?.map((e) => e.expert);
    for (const routing of [{}, { routing: { strategy: 'fixed', experts: ['mute-a'], aggregate: 'vote' } }]) {
      const res = await ask({ model: 'mute-a', ...routing });
      expect(res.status).toBe(502);
      const body = (await res.json()) as Body;
      expect(named(body)).toEqual(['mute-a']);
      expect(body.error!.message).toMatch(/mute-a.*no text/);
    }
    const streamed = await ask({ model: 'mute-a', stream: true });
    const error = sseEvents(await streamed.text()).at(-2) as Body;
    expect(named(error)).toEqual(['mute-a']);
    // A race in which one expert says nothing is won by the other.
    const race = await ask({ model: 'auto', routing: { strategy: 'fixed', experts: ['mute-b', 'speaks-a'], aggregate: 'first' } });
    expect(race.status).toBe(200);
    expect(((await race.json()) as Body).choices![0]!.message.content).toBe('echo: ping');
    // The fallback answers for an expert that said nothing.
    const fallback = await ask({ model: 'auto', routing: { strategy: 'fixed', experts: ['mute-a'], fallback: 'speaks-a' } });
    expect(fallback.status).toBe(200);
    expect(((await fallback.json()) as Body).choices![0]!.message.content).toBe('echo: ping');
  });
});
