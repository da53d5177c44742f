import { env } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import { createDb } from '../../worker/db/client';
import { utf8Bytes } from '../../worker/db/artifact-chunks';
import { CALL_TEXT_MAX_BYTES, insertRouteRecord, insertRouteRecords, ROUTE_TEXT_BYTES } from '../../worker/db/history-write';
import type { CallRecord, RouteRecord } from '../../worker/history/record';
import { longAnswer } from '../support/openai-peer';
import { checkedD1 } from './d1-limits';
import { addExpert, chat, replayExpert, routeRecord } from './helpers';

// Every route is recorded whatever its size, under production D1's limits (checked statement by
// statement): many calls, huge answers, huge prompts. Counts, tokens and cost are never cut.

const bytes = (s: string) => new TextEncoder().encode(s).byteLength;
const count = async (sql: string) => (await env.DB.prepare(sql).first<{ n: number }>())!.n;

function call(i: number, text: string | null): CallRecord {
  return {
    expertId: `e${i}`,
    role: 'expert',
    stage: i % 3,
    status: 'ok',
    startedAt: 1,
    latencyMs: 2,
    usage: { promptTokens: 10, completionTokens: 20 },
    costUsd: 0.001,
    attempts: 1,
    text,
    error: null,
  };
}

function record(id: string, calls: CallRecord[], texts: { prompt?: string; response?: string } = {}): RouteRecord {
  const prompt = texts.prompt ?? 'p';
  return routeRecord({
    id,
    createdAt: Date.now(),
    model: 'auto',
    policy: 'auto',
    strategy: 'all',
    aggregation: 'vote',
    policyJson: { name: 'auto' },
    prompt,
    messages: [{ role: 'user', content: prompt }],
    response: texts.response ?? 'r',
    usage: { promptTokens: 10 * calls.length, completionTokens: 20 * calls.length },
    costUsd: 0.001 * calls.length,
    decision: { ranked: calls.map((c) => ({ expertId: c.expertId, score: 1 })), stages: [] },
    calls,
  });
}

describe('routing history within D1 limits', () => {
  it('measures texts in UTF-8 bytes exactly as they are encoded, lone surrogates included', () => {
    const texts = [
      '',
      'plain',
      'é½',
      '€ and 中文',
      '😀 pair',
      'end high \ud83d',
      '\ud83d lone high',
      'lone low \ude00',
      '\ude00\ud83d swapped',
      longAnswer(5_000),
    ];
    for (const t of texts) expect(utf8Bytes(t), JSON.stringify(t.slice(0, 20))).toBe(bytes(t));
  });

  it('records a route with 200 calls: no statement past 100 bound parameters', async () => {
    const d1 = checkedD1(env.DB);
    await insertRouteRecord(
      createDb(d1.db),
      record(
        'rt_wide',
        Array.from({ length: 200 }, (_, i) => call(i, `answer ${i} (C)`)),
      ),
    );
    expect(await count("select count(*) as n from route_calls where route_id = 'rt_wide'")).toBe(200);
    expect(d1.maxParams).toBeLessThanOrEqual(100);
    const route = await env.DB.prepare("select cost_usd, prompt_tokens from routes where id = 'rt_wide'").first<{ cost_usd: number; prompt_tokens: number }>();
    expect(route).toEqual({ cost_usd: expect.closeTo(0.2, 9), prompt_tokens: 2000 });
  });

  it('records 5 MB answers and a 3 MB prompt: texts bounded with their full size, cost intact, each statement under 100 KB', async () => {
    const d1 = checkedD1(env.DB);
    const huge = 'é'.repeat(2_500_000); // 5,000,000 UTF-8 bytes
    const prompt = '€'.repeat(1_000_000); // 3,000,000 bytes
    await insertRouteRecord(createDb(d1.db), record('rt_huge', [call(0, huge), call(1, 'short'), call(2, huge)], { prompt, response: huge }));
    expect(d1.maxBytes).toBeLessThanOrEqual(100_000);
    const route = await env.DB.prepare("select prompt, response, messages_json, cost_usd from routes where id = 'rt_huge'").first<{
      prompt: string;
      response: string;
      messages_json: string;
      cost_usd: number;
    }>();
    expect(route!.cost_usd).toBeCloseTo(0.003, 9);
    expect(bytes(route!.prompt)).toBeLessThanOrEqual(ROUTE_TEXT_BYTES.prompt);
    expect(route!.prompt).toMatch(/\[truncated by Conclave: 3000000 bytes in full\]$/);
    expect(route!.prompt.startsWith('€€€')).toBe(true);
    expect(route!.response).toMatch(/\[truncated by Conclave: 5000000 bytes in full\]$/);
    const messages = JSON.parse(route!.messages_json) as { truncated: boolean; bytes: number; head: string }[];
    expect(messages[0]).toMatchObject({ truncated: true, bytes: expect.any(Number) });
    expect(messages[0]!.head.startsWith('[{"role":"user"')).toBe(true);
    const calls = await env.DB.prepare("select response from route_calls where route_id = 'rt_huge' order by id").all<{ response: string }>();
    expect(calls.results.map((c) => c.response.length > 0)).toEqual([true, true, true]);
    expect(bytes(calls.results[0]!.response)).toBeLessThanOrEqual(CALL_TEXT_MAX_BYTES);
    // The head is the answer as written, appended piece by piece in order.
    expect(calls.results[0]!.response.slice(0, 100_000)).toBe(huge.slice(0, 100_000));
    expect(calls.results[1]!.response).toBe('short');
  });

  it("writes a batch's small routes and calls in shared statements, each row where it belongs, and rewrites them the same", async () => {
    const d1 = checkedD1(env.DB);
    const records = Array.from({ length: 25 }, (_, i) => record(`rt_p${i}`, [call(0, `a${i}`), call(1, `b${i}`), call(2, null)]));
    await insertRouteRecords(createDb(d1.db), records);
    // D1 pays per statement, and binds each value on its own: one statement for the routes and one for
    // their calls, each bound to one JSON array (one per route and one per call at first, then 4 routes
    // and 6 calls to a statement, each value bound).
    expect(d1.statements).toBe(2);
    expect(d1.maxParams).toBe(1);
    const rows = async () =>
      (await env.DB.prepare("select c.route_id as id, c.response from route_calls c where c.route_id like 'rt_p%' order by c.id").all()).results;
    const expected = records.flatMap((r, i) => [`a${i}`, `b${i}`, null].map((response) => ({ id: r.id, response })));
    expect(await rows()).toEqual(expected);
    expect(await count("select count(*) as n from routes where id like 'rt_p%' and policy = 'auto' and cost_usd > 0")).toBe(25);
    // Values keep their SQL types through the JSON array: a prompt that reads as a number stays text.
    const tricky = {
      ...record('rt_types', [call(0, '7')], { prompt: '42', response: 'say "hi"\n\t€ 😀 \u0000' }),
      policyJson: { name: 'auto', lambda: 1e-7, big: 1e21, half: 1.5, note: 'say "hi"\n€ 😀 \ud83d \\ /' },
    };
    await insertRouteRecords(createDb(d1.db), [tricky]);
    const stored = await env.DB.prepare(
      "select prompt, typeof(prompt) as prompt_type, response, created_at, typeof(created_at) as created_type, cost_usd, typeof(cost_usd) as cost_type, stream, ttft_ms from routes where id = 'rt_types'",
    ).first();
    expect(stored).toEqual({
      prompt: '42',
      prompt_type: 'text',
      response: tricky.response,
      created_at: tricky.createdAt,
      created_type: 'integer',
      cost_usd: 0.001,
      cost_type: 'real',
      stream: 0,
      ttft_ms: null,
    });
    // JSON columns come back as the very text written.
    const json = await env.DB.prepare("select policy_json, messages_json, decision_json from routes where id = 'rt_types'").first();
    expect(json).toEqual({
      policy_json: JSON.stringify(tricky.policyJson),
      messages_json: JSON.stringify(tricky.messages),
      decision_json: JSON.stringify(tricky.decision),
    });
    expect(await env.DB.prepare("select response, typeof(response) as t from route_calls where route_id = 'rt_types'").first()).toEqual({
      response: '7',
      t: 'text',
    });
    await insertRouteRecords(createDb(env.DB), records, { rewrite: true });
    expect(await rows()).toEqual(expected);
  });

  it('a retried write of a long route after a lost acknowledgement leaves the same row, not doubled text', async () => {
    const long = 'x'.repeat(300_000);
    const r = record('rt_retry', [call(0, long)], { response: long });
    await insertRouteRecord(createDb(env.DB), r);
    await insertRouteRecords(createDb(env.DB), [r], { rewrite: true });
    const route = await env.DB.prepare("select length(response) as n from routes where id = 'rt_retry'").first<{ n: number }>();
    expect(route!.n).toBe(300_000);
    expect(await count("select count(*) as n from route_calls where route_id = 'rt_retry'")).toBe(1);
    expect(await count("select length(response) as n from route_calls where route_id = 'rt_retry'")).toBe(300_000);
  });

  it('records a 29-expert vote answered through the gateway, with every call (7+ calls used to be lost)', async () => {
    const ids = env.TEST_MODELS.map((m) => m.name);
    for (const id of ids) await replayExpert(id);
    const d1 = checkedD1(env.DB);
    const res = await chat({ model: 'auto', routing: { strategy: 'all', aggregate: 'vote' } }, { env: { DB: d1.db } });
    expect(res.status).toBe(200);
    const routeId = res.headers.get('x-route-id');
    expect(await count(`select count(*) as n from route_calls where route_id = '${routeId}'`)).toBe(ids.length);
    expect(await count(`select count(*) as n from routes where id = '${routeId}' and cost_usd > 0`)).toBe(1);
  });

  it('records a 2 MB expert answer streamed through the gateway', async () => {
    await addExpert({
      id: 'long-talker',
      provider: 'openai',
      model: 'long-1000000',
      endpoint_url: inject('peerUrl'),
      input_price_per_mtok: 1,
      output_price_per_mtok: 2,
    });
    const d1 = checkedD1(env.DB);
    const res = await chat({ model: 'long-talker', stream: true }, { env: { DB: d1.db } });
    expect(res.status).toBe(200);
    const routeId = res.headers.get('x-route-id');
    const route = await env.DB.prepare('select response, cost_usd, completion_tokens from routes where id = ?')
      .bind(routeId)
      .first<{ response: string; cost_usd: number; completion_tokens: number }>();
    expect(route!.cost_usd).toBeGreaterThan(0);
    expect(route!.completion_tokens).toBe(250_000);
    const full = Number(/truncated by Conclave: (\d+) bytes in full\]$/.exec(route!.response)?.[1]);
    expect(full).toBe(bytes(longAnswer(1_000_000)));
  });
});
