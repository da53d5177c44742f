import { beforeEach, describe, expect, it } from 'vitest';
import { call, chat, replayExpert } from './helpers';

interface Body {
  routing: { policy: string; experts: { id: string }[] };
  error?: { message: string; param: string | null; code: string };
}

const experts = ['gemini-1.5-pro-002', 'gemini-1.5-flash-002', 'DeepSeek-Coder-V2'];

describe('routing policies', () => {
  beforeEach(async () => {
    for (const id of experts) await replayExpert(id);
    const res = await call('/admin/api/policies', {
      method: 'POST',
      admin: true,
      json: { name: 'pinned', config: { strategy: 'fixed', experts: ['gemini-1.5-pro-002'], aggregate: 'first' } },
    });
    expect(res.status).toBe(201);
  });

  const chosen = async (res: Response) => ((await res.json()) as Body).routing.experts.map((e) => e.id);

  it('uses the named policy when nothing overrides it', async () => {
    expect(await chosen(await chat({ model: 'pinned' }))).toEqual(['gemini-1.5-pro-002']);
  });

  it('the x-routing-policy header overrides the named policy', async () => {
    const res = await chat({ model: 'pinned' }, { headers: { 'x-routing-policy': JSON.stringify({ experts: ['gemini-1.5-flash-002'] }) } });
    expect(await chosen(res)).toEqual(['gemini-1.5-flash-002']);
  });

  it('the body routing field overrides the header', async () => {
    const res = await chat(
      { model: 'pinned', routing: { experts: ['DeepSeek-Coder-V2'] } },
      { headers: { 'x-routing-policy': JSON.stringify({ experts: ['gemini-1.5-flash-002'] }) } },
    );
    expect(await chosen(res)).toEqual(['DeepSeek-Coder-V2']);
  });

  it("a request that switches strategy drops the named policy's strategy knobs but keeps its caps", async () => {
    const saved = await call('/admin/api/policies', {
      method: 'POST',
      admin: true,
      json: { name: 'two-cheapest', config: { strategy: 'all', k: 2, aggregate: 'first', deny: ['DeepSeek-Coder-V2'] } },
    });
    expect(saved.status).toBe(201);
    // k 2 was the `all` strategy's; the request's own expert list is called whole, the deny list still holds.
    const res = await chat({ model: 'two-cheapest', routing: { strategy: 'fixed', experts: ['gemini-1.5-pro-002', 'gemini-1.5-flash-002'] } });
    expect(await chosen(res)).toEqual(['gemini-1.5-pro-002', 'gemini-1.5-flash-002']);
    const denied = await chat({ model: 'two-cheapest', routing: { strategy: 'fixed', experts: ['DeepSeek-Coder-V2'] } });
    expect(denied.status).toBe(400);
  });

  it('an unknown model is a 404 that says what model may name', async () => {
    const res = await chat({ model: 'no-such-thing' });
    expect(res.status).toBe(404);
    const body = (await res.json()) as Body;
    expect(body.error!.code).toBe('model_not_found');
    expect(body.error!.message).toMatch(/neither a routing policy nor an expert id/);
  });

  it('an unknown field in routing is rejected, naming it', async () => {
    const res = await chat({ model: 'pinned', routing: { strategy: 'fixed', colour: 'blue' } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Body;
    expect(body.error!.param).toBe('routing.colour');
    expect(body.error!.message).toMatch(/unknown field/);
  });

  it('an unknown strategy is rejected with the allowed values', async () => {
    const res = await chat({ model: 'pinned', routing: { strategy: 'psychic' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Body).error!.param).toBe('routing.strategy');
  });

  it('a cascade stopping rule that is neither vote nor stacked is rejected, naming the field', async () => {
    const res = await chat({ model: 'economy', routing: { stop_on: 'sometimes' } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Body;
    expect(body.error!.param).toBe('routing.stop_on');
    expect(body.error!.message).toMatch(/vote|stacked/);
  });

  it('a malformed x-routing-policy header is a 400 naming the header', async () => {
    const res = await chat({ model: 'pinned' }, { headers: { 'x-routing-policy': '{nope' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Body).error!.param).toBe('x-routing-policy');
  });

  it('a disabled expert is never chosen', async () => {
    await call('/admin/api/experts/gemini-1.5-pro-002', { method: 'PATCH', admin: true, json: { enabled: false } });
    const res = await chat({ model: 'pinned' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Body).error!.code).toBe('expert_unavailable');
    const all = await chat({ model: 'auto', routing: { strategy: 'all', k: 5 } });
    expect(await chosen(all)).not.toContain('gemini-1.5-pro-002');
  });

  it('max_cost_usd leaves out experts the request cannot afford', async () => {
    const res = await chat({ model: 'auto', routing: { strategy: 'fixed', experts: experts, max_cost_usd: 0 } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Body).error!.code).toBe('over_budget');
  });
});

describe('request validation and auth', () => {
  it('malformed JSON is a 400 that says so', async () => {
    const res = await call('/v1/chat/completions', { method: 'POST', body: '{"model": ', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Body).error!.code).toBe('invalid_json');
  });

  it('a wrong content type is a 415', async () => {
    const res = await call('/v1/chat/completions', { method: 'POST', body: 'hi', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(415);
  });

  it('a missing or wrong API key is a 401', async () => {
    expect((await chat({ model: 'auto' }, { key: null })).status).toBe(401);
    expect((await chat({ model: 'auto' }, { key: 'sk-wrong' })).status).toBe(401);
  });

  it('messages without a user message are refused', async () => {
    const res = await chat({ model: 'auto', messages: [{ role: 'system', content: 'x' }] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Body).error!.param).toBe('messages');
  });

  it('GET /health answers without auth', async () => {
    const res = await call('/health', { key: null });
    expect(res.status).toBe(200);
  });

  it('GET /v1/models lists policies and experts', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const res = await call('/v1/models');
    const body = (await res.json()) as { data: { id: string; kind: string }[] };
    expect(body.data).toContainEqual(expect.objectContaining({ id: 'auto', kind: 'policy' }));
    expect(body.data).toContainEqual(expect.objectContaining({ id: 'gemini-1.5-pro-002', kind: 'expert' }));
  });
});
