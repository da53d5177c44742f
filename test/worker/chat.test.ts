import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { expertWallMs } from '../../worker/gateway/routing-summary';
import type { CallRecord } from '../../worker/history/record';
import worker from '../../worker/index';
import { API_KEY, addExpert, call, chat, GEMINI_PRO_ANSWER, RECORDED_PROMPT, replayExpert, seedArtifacts, sseEvents } from './helpers';

interface Routing {
  route_id: string;
  policy: string;
  strategy: string;
  aggregation: string;
  experts: {
    id: string;
    score: number;
    status: string;
    cost_usd: number;
    prompt_tokens: number;
    completion_tokens: number;
    latency_ms: number | null;
    error?: string;
  }[];
  calls: { expert: string; role: string; status: string; cost_usd: number; error_source?: string }[];
  total_cost_usd: number;
  winner?: string;
}

async function routeRows(id: string) {
  const route = await env.DB.prepare('select * from routes where id = ?').bind(id).first<Record<string, unknown>>();
  const calls = await env.DB.prepare('select * from route_calls where route_id = ? order by id').bind(id).all<Record<string, unknown>>();
  return { route, calls: calls.results };
}

/** A stream from peer-stall that its client cancels once the first words came; the route's id, once its record is written. */
async function cancelledStream(key: string): Promise<string> {
  const ctx = createExecutionContext();
  const request = new Request('http://gateway.test/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'peer-stall', stream: true, messages: [{ role: 'user', content: 'a b c' }] }),
  });
  const res = await worker.fetch(request, env, ctx);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let seen = '';
  while (!seen.includes('echo: ')) seen += decoder.decode((await reader.read()).value);
  await reader.cancel();
  await waitOnExecutionContext(ctx);
  return res.headers.get('x-route-id')!;
}

describe("the gateway's own time", () => {
  const span = (startedAt: number, latencyMs: number) => ({ startedAt, latencyMs }) as CallRecord;

  it('counts overlapping expert calls once', () => {
    expect(expertWallMs([])).toBe(0);
    expect(expertWallMs([span(100, 50), span(120, 10), span(140, 30), span(300, 5)])).toBe(75);
  });

  it("is reported in routing.gateway_ms and Server-Timing, within the request's latency", async () => {
    await replayExpert('gemini-1.5-pro-002');
    const res = await chat({ model: 'gemini-1.5-pro-002' });
    const routing = ((await res.json()) as { routing: { latency_ms: number; gateway_ms: number } }).routing;
    expect(routing.gateway_ms).toBeGreaterThanOrEqual(0);
    expect(routing.gateway_ms).toBeLessThanOrEqual(routing.latency_ms);
    expect(res.headers.get('server-timing')).toBe(`gateway;dur=${routing.gateway_ms}, total;dur=${routing.latency_ms}`);
  });
});

describe('POST /v1/chat/completions', () => {
  beforeEach(async () => {
    await replayExpert('gemini-1.5-pro-002');
    await replayExpert('gemini-1.5-flash-002', { input_price_per_mtok: 0.075, output_price_per_mtok: 0.3 });
  });

  it('answers with the recorded text of the expert named as model, and records the route', async () => {
    const res = await chat({ model: 'gemini-1.5-pro-002' });
    expect(res.status).toBe(200);
    const routeId = res.headers.get('x-route-id')!;
    expect(routeId).toMatch(/^rt_/);
    const body = (await res.json()) as { object: string; choices: { message: { content: string } }[]; usage: Record<string, number>; routing: Routing };
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0]!.message.content).toBe(GEMINI_PRO_ANSWER);
    // The data's cost rule: ceil(chars / 4) tokens at the model's list prices.
    const promptTokens = Math.ceil(RECORDED_PROMPT.length / 4);
    const completionTokens = Math.ceil(GEMINI_PRO_ANSWER.length / 4);
    expect(body.usage).toEqual({ prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens });
    const cost = (promptTokens * 1.25 + completionTokens * 5) / 1e6;
    expect(body.routing.route_id).toBe(routeId);
    expect(body.routing.strategy).toBe('fixed');
    expect(body.routing.experts).toMatchObject([{ id: 'gemini-1.5-pro-002', status: 'ok', prompt_tokens: promptTokens, completion_tokens: completionTokens }]);
    expect(body.routing.total_cost_usd).toBeCloseTo(cost, 12);

    const { route, calls } = await routeRows(routeId);
    expect(route).toMatchObject({ model: 'gemini-1.5-pro-002', status: 'ok', http_status: 200, response: GEMINI_PRO_ANSWER, prompt: RECORDED_PROMPT });
    expect(route!.cost_usd as number).toBeCloseTo(cost, 12);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ expert_id: 'gemini-1.5-pro-002', role: 'expert', status: 'ok', response: GEMINI_PRO_ANSWER });
  });

  it('streams SSE chunks in order, ending with usage and routing, then [DONE]', async () => {
    const res = await chat({ model: 'gemini-1.5-pro-002', stream: true, stream_options: { include_usage: true } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = sseEvents(await res.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1) as {
      choices: { delta: { role?: string; content?: string }; finish_reason: string | null }[];
      usage?: unknown;
      routing?: Routing;
    }[];
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(GEMINI_PRO_ANSWER);
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBeGreaterThan(1);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: Math.ceil(RECORDED_PROMPT.length / 4) });
    expect(last.routing!.route_id).toBe(res.headers.get('x-route-id'));
    const { route } = await routeRows(res.headers.get('x-route-id')!);
    expect(route).toMatchObject({ stream: 1, status: 'ok', response: GEMINI_PRO_ANSWER });
    expect(route!.ttft_ms).not.toBeNull();
  });

  it('the first bytes of a stream carry the role and the first content, the last ones the finish chunk and [DONE]', async () => {
    // The handler's own body, read write by write (the test helper would buffer it whole).
    const ctx = createExecutionContext();
    const request = new Request('http://gateway.test/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini-1.5-pro-002', stream: true, messages: [{ role: 'user', content: RECORDED_PROMPT }] }),
    });
    const res = await worker.fetch(request, env, ctx);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const reads: string[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) reads.push(decoder.decode(r.value));
    const first = sseEvents(reads[0]!) as { choices: { delta: { role?: string; content?: string } }[] }[];
    expect(first[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(first[1]!.choices[0]!.delta.content).toBeTruthy();
    const last = sseEvents(reads.at(-1)!);
    expect(last.at(-1)).toBe('[DONE]');
    expect((last.at(-2) as { routing?: unknown }).routing).toBeDefined();
    await waitOnExecutionContext(ctx);
  });

  it('without include_usage the finish chunk carries routing', async () => {
    const res = await chat({ model: 'gemini-1.5-pro-002', stream: true });
    const chunks = sseEvents(await res.text()).slice(0, -1) as { choices: { finish_reason: string | null }[]; routing?: Routing; usage?: unknown }[];
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.at(-1)!.routing!.experts[0]!.id).toBe('gemini-1.5-pro-002');
    expect(chunks.some((c) => c.usage)).toBe(false);
  });

  it('routes through an OpenAI-compatible loopback expert over real HTTP, JSON and SSE', async () => {
    await addExpert({ id: 'peer-echo', provider: 'openai', model: 'echo', endpoint_url: inject('peerUrl'), input_price_per_mtok: 1, output_price_per_mtok: 2 });
    const res = await chat({ model: 'peer-echo', messages: [{ role: 'user', content: 'hello there' }] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { choices: { message: { content: string } }[]; routing: Routing };
    expect(body.choices[0]!.message.content).toBe('echo: hello there');
    expect(body.routing.experts[0]!.cost_usd).toBeGreaterThan(0);

    const streamed = await chat({ model: 'peer-echo', stream: true, messages: [{ role: 'user', content: 'one two three' }] });
    const chunks = sseEvents(await streamed.text()).slice(0, -1) as { choices: { delta: { content?: string } }[] }[];
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('echo: one two three');
  });

  it('passes max_tokens and temperature through to the expert', async () => {
    await addExpert({ id: 'peer-params', provider: 'openai', model: 'params', endpoint_url: inject('peerUrl') });
    const res = await chat({ model: 'peer-params', max_tokens: 7, temperature: 0.25, messages: [{ role: 'user', content: 'x' }] });
    const body = (await res.json()) as { choices: { message: { content: string } }[] };
    expect(JSON.parse(body.choices[0]!.message.content)).toEqual({ max_tokens: 7, temperature: 0.25 });
  });

  it('an expert that errors gives a 502 naming the expert, and the failure is recorded', async () => {
    await addExpert({ id: 'peer-500', provider: 'openai', model: 'status-500', endpoint_url: inject('peerUrl') });
    const res = await chat({ model: 'peer-500', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; message: string; source: string; experts: { expert: string; error: string }[] } };
    expect(body.error.source).toBe('expert');
    expect(body.error.code).toBe('quorum_not_met');
    expect(body.error.experts[0]!.expert).toBe('peer-500');
    expect(body.error.experts[0]!.error).toMatch(/HTTP 500/);
    const id = res.headers.get('x-route-id');
    const rows = await env.DB.prepare('select * from routes').all<Record<string, unknown>>();
    expect(rows.results).toHaveLength(1);
    expect(rows.results[0]).toMatchObject({ status: 'error', http_status: 502, error_source: 'expert' });
    const calls = await env.DB.prepare('select * from route_calls where route_id = ?').bind(rows.results[0]!.id).all<Record<string, unknown>>();
    expect(calls.results[0]).toMatchObject({ expert_id: 'peer-500', status: 'error', upstream_status: 500 });
    void id;
  });

  it('a broken stream ends with an error event and the record says so', async () => {
    await addExpert({ id: 'peer-broken', provider: 'openai', model: 'broken-stream', endpoint_url: inject('peerUrl') });
    const res = await chat({ model: 'peer-broken', stream: true, messages: [{ role: 'user', content: 'a b c d e f' }] });
    expect(res.status).toBe(200);
    const events = sseEvents(await res.text());
    expect(events.at(-1)).toBe('[DONE]');
    const error = events.at(-2) as { error: { source: string; message: string } };
    expect(error.error.source).toBe('expert');
    const rows = await env.DB.prepare('select status, error_source from routes').all();
    expect(rows.results).toEqual([{ status: 'error', error_source: 'expert' }]);
  });

  it('a client that goes away mid-stream stops the expert call, and the route is recorded as closed by the client', async () => {
    await addExpert({ id: 'peer-stall', provider: 'openai', model: 'stall', endpoint_url: inject('peerUrl') });
    const abandoned = async () => ((await (await fetch(`${inject('peerUrl')}/stats`)).json()) as { abandoned: number }).abandoned;
    const before = await abandoned();
    const { route, calls } = await routeRows(await cancelledStream(API_KEY));
    expect(route).toMatchObject({ stream: 1, status: 'error', http_status: 499, error_code: 'client_closed' });
    // The record holds the call the client's leaving cut short, not a route that called nobody.
    expect(calls).toMatchObject([{ expert_id: 'peer-stall', role: 'expert', status: 'cancelled' }]);
    await vi.waitFor(async () => expect(await abandoned()).toBe(before + 1), { timeout: 5_000 });
  });

  it('a stream cut off mid-answer is charged for what it delivered: in the record and against the key', async () => {
    // $1 / $2 per million tokens; the data's rule, a token per 4 characters, where no usage came.
    const priced = { provider: 'openai', endpoint_url: inject('peerUrl'), input_price_per_mtok: 1, output_price_per_mtok: 2 };
    await addExpert({ id: 'peer-stall', model: 'stall', ...priced });
    await addExpert({ id: 'peer-broken', model: 'broken-stream', ...priced });
    const made = (await (await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'cut', daily_budget_usd: 1 } })).json()) as {
      id: string;
      key: string;
    };
    // 'a b c' is 2 tokens, the 'echo: ' delivered 2.
    const stalled = await routeRows(await cancelledStream(made.key));
    const cost = (2 * 1 + 2 * 2) / 1e6;
    expect(stalled.calls).toMatchObject([{ expert_id: 'peer-stall', status: 'cancelled', prompt_tokens: 2, completion_tokens: 2 }]);
    expect(stalled.calls[0]!.cost_usd as number).toBeCloseTo(cost, 12);
    expect(stalled.route!.cost_usd as number).toBeCloseTo(cost, 12);

    const broken = await chat({ model: 'peer-broken', stream: true, messages: [{ role: 'user', content: 'a b c d e f' }] }, { key: made.key });
    const delivered = (sseEvents(await broken.text()) as { choices?: { delta: { content?: string } }[] }[])
      .map((e) => e.choices?.[0]?.delta.content ?? '')
      .join('');
    expect(delivered).toBe('echo: a ');
    const cut = await routeRows(broken.headers.get('x-route-id')!);
    expect(cut.calls).toMatchObject([{ expert_id: 'peer-broken', status: 'error', prompt_tokens: 3, completion_tokens: 2 }]);
    expect(cut.route!.cost_usd as number).toBeCloseTo((3 * 1 + 2 * 2) / 1e6, 12);

    const spend = await env.KEY_LIMITER.get(env.KEY_LIMITER.idFromName(made.id)).spend(made.id);
    expect(spend).toMatchObject({ reservedUsd: 0, inFlight: 0 });
    expect(spend.dayUsd).toBeCloseTo((stalled.route!.cost_usd as number) + (cut.route!.cost_usd as number), 12);
  });

  // A connection that goes away aborts the request's signal (enable_request_signal), which ends
  // the expert calls made for it: the record names the client, not the aborted call's error.
  it('a client whose connection goes mid-stream is recorded as closed by the client, not as a cancelled call', async () => {
    await addExpert({ id: 'peer-stall', provider: 'openai', model: 'stall', endpoint_url: inject('peerUrl') });
    const abandoned = async () => ((await (await fetch(`${inject('peerUrl')}/stats`)).json()) as { abandoned: number }).abandoned;
    const before = await abandoned();
    const ctx = createExecutionContext();
    const connection = new AbortController();
    const request = new Request('http://gateway.test/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'peer-stall', stream: true, messages: [{ role: 'user', content: 'a b c' }] }),
      signal: connection.signal,
    });
    const res = await worker.fetch(request, env, ctx);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    while (!seen.includes('echo: ')) seen += decoder.decode((await reader.read()).value);
    connection.abort();
    while (!(await reader.read()).done);
    await waitOnExecutionContext(ctx);
    const { route, calls } = await routeRows(res.headers.get('x-route-id')!);
    expect(route).toMatchObject({ stream: 1, status: 'error', http_status: 499, error_code: 'client_closed', error_source: 'client' });
    expect(calls).toMatchObject([{ expert_id: 'peer-stall', role: 'expert', status: 'cancelled' }]);
    await vi.waitFor(async () => expect(await abandoned()).toBe(before + 1), { timeout: 5_000 });
  });

  it('a client whose connection goes before the answer is recorded as closed by the client, and its expert call ends', async () => {
    await addExpert({ id: 'peer-slow', provider: 'openai', model: 'slow-3000', endpoint_url: inject('peerUrl') });
    const ctx = createExecutionContext();
    const connection = new AbortController();
    const request = new Request('http://gateway.test/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'peer-slow', messages: [{ role: 'user', content: 'a b c' }] }),
      signal: connection.signal,
    });
    setTimeout(() => connection.abort(), 200);
    const res = await worker.fetch(request, env, ctx);
    await res.text();
    await waitOnExecutionContext(ctx);
    const { route, calls } = await routeRows(res.headers.get('x-route-id')!);
    expect(route).toMatchObject({ stream: 0, status: 'error', http_status: 499, error_code: 'client_closed', error_source: 'client' });
    expect(calls).toMatchObject([{ expert_id: 'peer-slow', role: 'expert', status: 'cancelled' }]);
    expect(Number(route!.latency_ms)).toBeLessThan(2_000);
  });

  it('a prompt that was never recorded is the client’s clear not-recorded error, not an invented answer', async () => {
    // The README's promise: 422 `not_recorded`, whether one expert, several or a policy was asked.
    await seedArtifacts();
    const both = { strategy: 'fixed', experts: ['gemini-1.5-pro-002', 'gemini-1.5-flash-002'], aggregate: 'vote' };
    for (const asked of [{ model: 'gemini-1.5-pro-002' }, { model: 'auto', routing: both }, { model: 'auto' }]) {
      const res = await chat({ ...asked, messages: [{ role: 'user', content: 'What is the capital of France?' }] });
      expect(res.status).toBe(422);
      const body = (await res.json()) as { error: { message: string; source: string; code: string } };
      expect(body.error.message).toMatch(/not recorded/);
      // Experts that missed alike share one mention of the reason.
      expect(body.error.message.split('prompt not recorded')).toHaveLength(2);
      expect(body.error.source).toBe('client');
      expect(body.error.code, asked.model).toBe('not_recorded');
    }
  });

  it('a recorded question inside a conversation it was not recorded in is not replayed as if answered there', async () => {
    const res = await chat({
      model: 'gemini-1.5-pro-002',
      messages: [
        { role: 'system', content: 'Synthesize these responses: …' },
        { role: 'user', content: RECORDED_PROMPT },
      ],
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { message: string; source: string } };
    expect(body.error.message).toMatch(/not recorded.*2 messages/);
    expect(body.error.source).toBe('client');
  });

  it('matches the recorded prompt after whitespace normalisation', async () => {
    const res = await chat({ model: 'gemini-1.5-pro-002', messages: [{ role: 'user', content: `  ${RECORDED_PROMPT.replaceAll('\n', '\n\n  ')}  ` }] });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe(GEMINI_PRO_ANSWER);
  });
});
