import { env } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import { addExpert, call, sseEvents } from './helpers';

// The exact-match response cache (Workers Cache API): a repeat is answered without calling any
// expert, says so, costs nothing and is recorded; per key and policy; opt-out per request.

const ON = { RESPONSE_CACHE_TTL_S: '60' };
const peerCalls = async (model: string) =>
  ((await (await fetch(`${inject('peerUrl')}/stats`)).json()) as { byModel: Record<string, number> }).byModel[model] ?? 0;

interface Answer {
  model: string;
  choices: { message: { content: string } }[];
  usage: { total_tokens: number };
  routing: { cache?: string; total_cost_usd: number; aggregation_detail?: { cached_route_id?: string } };
}

describe('the response cache', () => {
  it('answers a repeat from the cache, per key and policy, and records hit and miss', async () => {
    const model = `say:cached ${crypto.randomUUID()}`;
    await addExpert({ id: 'peer-said', provider: 'openai', model, endpoint_url: inject('peerUrl'), input_price_per_mtok: 1, output_price_per_mtok: 2 });
    const ask = (json: Record<string, unknown>, init: { headers?: Record<string, string>; key?: string } = {}) =>
      call('/v1/chat/completions', { method: 'POST', env: ON, json, ...init });
    const first = await ask({ model: 'peer-said', messages: [{ role: 'user', content: 'q' }], temperature: 0 });
    expect(first.headers.get('x-conclave-cache')).toBe('miss');
    // The same request with its fields in another order is the same request.
    const again = await ask({ temperature: 0, messages: [{ content: 'q', role: 'user' }], model: 'peer-said' });
    expect(again.headers.get('x-conclave-cache')).toBe('hit');
    const [a, b] = (await Promise.all([first.json(), again.json()])) as [Answer, Answer];
    expect(b.choices).toEqual(a.choices);
    expect(b.model).toBe('peer-said');
    expect(b.routing).toMatchObject({ cache: 'hit', total_cost_usd: 0, aggregation_detail: { cached_route_id: first.headers.get('x-route-id') } });
    expect(b.usage.total_tokens).toBe(0);
    expect(await peerCalls(model)).toBe(1);

    // Streamed, the cached answer arrives as chunks.
    const streamed = sseEvents(
      await (await ask({ model: 'peer-said', stream: true, messages: [{ role: 'user', content: 'q' }], temperature: 0 })).text(),
    ).slice(0, -1) as { choices: { delta: { content?: string } }[] }[];
    expect(streamed.map((e) => e.choices[0]?.delta.content ?? '').join('')).toBe(a.choices[0]!.message.content);
    expect(await peerCalls(model)).toBe(1);

    // no-store: neither read nor stored; no-cache: fetched anew. Another key has its own entries.
    expect(
      (await ask({ model: 'peer-said', messages: [{ role: 'user', content: 'q' }], temperature: 0 }, { headers: { 'cache-control': 'no-store' } })).headers.get(
        'x-conclave-cache',
      ),
    ).toBeNull();
    expect(
      (await ask({ model: 'peer-said', messages: [{ role: 'user', content: 'q' }], temperature: 0 }, { headers: { 'cache-control': 'no-cache' } })).headers.get(
        'x-conclave-cache',
      ),
    ).toBe('miss');
    const made = (await (await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'other' } })).json()) as { key: string };
    expect(
      (await ask({ model: 'peer-said', messages: [{ role: 'user', content: 'q' }], temperature: 0 }, { key: made.key })).headers.get('x-conclave-cache'),
    ).toBe('miss');
    expect(await peerCalls(model)).toBe(4);

    const rows = await env.DB.prepare('select cache, cost_usd from routes order by created_at').all<{ cache: string | null; cost_usd: number }>();
    expect(rows.results.map((r) => r.cache)).toEqual(['miss', 'hit', 'hit', null, 'miss', 'miss']);
    expect(rows.results[1]!.cost_usd).toBe(0);
  });

  it("a hit counts against the key's rate limit and says so in the same headers as any answer", async () => {
    const model = `say:cached ${crypto.randomUUID()}`;
    await addExpert({ id: 'peer-said', provider: 'openai', model, endpoint_url: inject('peerUrl'), input_price_per_mtok: 1, output_price_per_mtok: 2 });
    const made = (await (await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'rpm', rpm_limit: 5 } })).json()) as { key: string };
    const remaining: (string | null)[] = [];
    for (const stream of [false, false, true]) {
      const res = await call('/v1/chat/completions', {
        method: 'POST',
        env: ON,
        key: made.key,
        json: { model: 'peer-said', stream, messages: [{ role: 'user', content: 'q' }] },
      });
      await res.text();
      remaining.push(res.headers.get('x-ratelimit-remaining-requests'));
      expect(res.headers.get('x-ratelimit-limit-requests')).toBe('5');
    }
    expect(remaining).toEqual(['4', '3', '2']);
  });
});
