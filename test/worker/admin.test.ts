import { describe, expect, it } from 'vitest';
import { addExpert, call, chat, replayExpert } from './helpers';

type Json = Record<string, unknown>;

describe('admin API: experts', () => {
  it('requires the admin token', async () => {
    expect((await call('/admin/api/experts', { key: null })).status).toBe(401);
    expect((await call('/admin/api/experts', { key: 'test-dev-key' })).status).toBe(401);
    expect((await call('/admin/api/experts', { admin: true })).status).toBe(200);
  });

  it('says so when a key of the other kind is sent: API keys open /v1, the admin token the admin API', async () => {
    const messageOf = async (res: Response) => ((await res.json()) as { error: { message: string } }).error.message;
    const created = (await (await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'k' } })).json()) as { key: string };
    for (const key of ['test-dev-key', created.key]) {
      const res = await call('/admin/api/experts', { key });
      expect(res.status).toBe(401);
      expect(await messageOf(res)).toMatch(/API key.*\/v1.*ADMIN_TOKEN/);
    }
    expect(await messageOf(await call('/admin/api/experts', { key: 'wrong' }))).toBe('invalid admin token');
    const v1 = await call('/v1/models', { key: 'test-admin-token' });
    expect(v1.status).toBe(401);
    expect(await messageOf(v1)).toMatch(/ADMIN_TOKEN.*API key/);
    expect(await messageOf(await call('/v1/models', { key: 'wrong' }))).toBe('invalid API key');
  });

  it('a key sent without "Bearer " is told the form, not that it is missing', async () => {
    const send = (path: string, authorization: string) => call(path, { key: null, headers: { authorization } });
    const messageOf = async (res: Response) => ((await res.json()) as { error: { message: string } }).error.message;
    expect(await messageOf(await send('/v1/models', 'test-dev-key'))).toMatch(/^the Authorization header must read 'Bearer <key>'/);
    expect(await messageOf(await send('/admin/api/experts', 'test-admin-token'))).toMatch(/^the Authorization header must read 'Bearer <ADMIN_TOKEN>'/);
    expect(await messageOf(await send('/v1/models', 'Bearer '))).toMatch(/^missing API key/);
  });

  it('creates, reads, updates, disables and deletes an expert', async () => {
    const created = await call('/admin/api/experts', {
      method: 'POST',
      admin: true,
      json: {
        id: 'tgi-local',
        provider: 'openai',
        model: 'my-model',
        endpoint_url: 'http://127.0.0.1:9/v1',
        input_price_per_mtok: 0.5,
        output_price_per_mtok: 1.5,
        skills: ['math'],
        tags: ['gpu'],
      },
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ id: 'tgi-local', provider: 'openai', enabled: true, skills: ['math'], input_price_per_mtok: 0.5 });

    const patched = await call('/admin/api/experts/tgi-local', { method: 'PATCH', admin: true, json: { enabled: false, output_price_per_mtok: 2 } });
    expect(await patched.json()).toMatchObject({ enabled: false, output_price_per_mtok: 2, input_price_per_mtok: 0.5 });
    expect(((await (await call('/admin/api/experts/tgi-local', { admin: true })).json()) as Json).enabled).toBe(false);

    const listed = (await (await call('/admin/api/experts', { admin: true })).json()) as { data: Json[] };
    expect(listed.data.map((e) => e.id)).toEqual(['tgi-local']);

    expect((await call('/admin/api/experts/tgi-local', { method: 'DELETE', admin: true })).status).toBe(204);
    expect((await call('/admin/api/experts/tgi-local', { admin: true })).status).toBe(404);
  });

  it('rejects invalid experts with the field named', async () => {
    const bad = async (json: Json) => {
      const res = await call('/admin/api/experts', { method: 'POST', admin: true, json });
      expect(res.status).toBe(400);
      return ((await res.json()) as { error: { param: string } }).error.param;
    };
    expect(await bad({ id: 'x', provider: 'carrier-pigeon', model: 'm' })).toBe('provider');
    expect(await bad({ id: 'x', provider: 'openai', model: 'm' })).toBe('endpoint_url');
    expect(await bad({ id: 'bad id!', provider: 'replay', model: 'm' })).toBe('id');
    expect(await bad({ id: 'x', provider: 'replay', model: 'm', input_price_per_mtok: -1 })).toBe('input_price_per_mtok');
    expect(await bad({ id: 'x', provider: 'replay', model: 'm', surprise: 1 })).toBe('surprise');
    expect(await bad({ id: 'x', provider: 'hf', model: 'm', replica_urls: ['http://127.0.0.1:9'] })).toBe('replica_urls');
    expect(await bad({ id: 'x', provider: 'openai', model: 'm', endpoint_url: 'http://a:1', replica_urls: ['http://a:1'] })).toBe('replica_urls');
    expect(await bad({ id: 'x', provider: 'openai', model: 'm', endpoint_url: 'http://a:1', replica_urls: ['ftp://b:1'] })).toBe('replica_urls.0');
  });

  it("keeps an expert's replicas, and refuses replicas without the endpoint they replicate", async () => {
    const created = await call('/admin/api/experts', {
      method: 'POST',
      admin: true,
      json: {
        id: 'gpu-replicated',
        provider: 'openai',
        model: 'm',
        endpoint_url: 'http://127.0.0.1:9',
        replica_urls: ['http://127.0.0.1:10', 'http://127.0.0.1:11'],
      },
    });
    expect(await created.json()).toMatchObject({ endpoint_url: 'http://127.0.0.1:9', replica_urls: ['http://127.0.0.1:10', 'http://127.0.0.1:11'] });
    const cleared = await call('/admin/api/experts/gpu-replicated', { method: 'PATCH', admin: true, json: { endpoint_url: null } });
    expect(cleared.status).toBe(400);
    const patched = await call('/admin/api/experts/gpu-replicated', { method: 'PATCH', admin: true, json: { replica_urls: [] } });
    expect(((await patched.json()) as Json).replica_urls).toEqual([]);
  });

  it('refuses a duplicate id with 409', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const res = await call('/admin/api/experts', { method: 'POST', admin: true, json: { id: 'gemini-1.5-pro-002', provider: 'replay', model: 'm' } });
    expect(res.status).toBe(409);
  });
});

describe('admin API: policies', () => {
  it('creates, lists, replaces and deletes a named policy, built-ins listed too', async () => {
    const created = await call('/admin/api/policies', {
      method: 'POST',
      admin: true,
      json: { name: 'cheap', description: 'one cheap model', config: { strategy: 'all', k: 1, aggregate: 'first' } },
    });
    expect(created.status).toBe(201);
    const list = (await (await call('/admin/api/policies', { admin: true })).json()) as { data: { name: string; builtin: boolean }[] };
    expect(list.data).toContainEqual(expect.objectContaining({ name: 'cheap', builtin: false }));
    expect(list.data).toContainEqual(expect.objectContaining({ name: 'auto', builtin: true }));
    // A built-in's config is a saved policy's config: it can be sent back as one.
    const economy = (await (await call('/admin/api/policies/economy', { admin: true })).json()) as { config: Record<string, unknown> };
    expect(economy.config).not.toHaveProperty('name');
    const copy = await call('/admin/api/policies', { method: 'POST', admin: true, json: { name: 'my-economy', config: economy.config } });
    expect(copy.status).toBe(201);
    const replaced = await call('/admin/api/policies/cheap', { method: 'PUT', admin: true, json: { config: { strategy: 'all', k: 2, aggregate: 'first' } } });
    expect(((await replaced.json()) as { config: Json }).config).toMatchObject({ k: 2 });
    expect((await call('/admin/api/policies/cheap', { method: 'DELETE', admin: true })).status).toBe(204);
    expect((await call('/admin/api/policies/cheap', { admin: true })).status).toBe(404);
  });

  it('keeps policy names and expert ids apart, since `model` would reach only the policy', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const conflict = async (res: Response) => ({ status: res.status, param: ((await res.json()) as { error?: { param: string } }).error?.param });
    const config = { strategy: 'all', aggregate: 'first' };
    // PUT creates a policy as POST does, so it refuses an expert's id as POST does.
    expect(await conflict(await call('/admin/api/policies/gemini-1.5-pro-002', { method: 'PUT', admin: true, json: { config } }))).toEqual({
      status: 409,
      param: 'name',
    });
    // An expert may not take a built-in's name, nor a saved policy's.
    expect(await conflict(await call('/admin/api/experts', { method: 'POST', admin: true, json: { id: 'auto', provider: 'replay', model: 'auto' } }))).toEqual({
      status: 409,
      param: 'id',
    });
    expect((await call('/admin/api/policies', { method: 'POST', admin: true, json: { name: 'cheap', config } })).status).toBe(201);
    expect(
      await conflict(await call('/admin/api/experts', { method: 'POST', admin: true, json: { id: 'cheap', provider: 'replay', model: 'cheap' } })),
    ).toEqual({
      status: 409,
      param: 'id',
    });
  });

  it('a built-in policy cannot be deleted, only a saved one that replaces it', async () => {
    const refused = await call('/admin/api/policies/economy', { method: 'DELETE', admin: true });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/built-in policy 'economy' cannot be deleted/);
    const config = { strategy: 'all', k: 1, aggregate: 'first' };
    expect((await call('/admin/api/policies/economy', { method: 'PUT', admin: true, json: { config } })).status).toBe(200);
    expect((await call('/admin/api/policies/economy', { method: 'DELETE', admin: true })).status).toBe(204);
    expect(await (await call('/admin/api/policies/economy', { admin: true })).json()).toMatchObject({ builtin: true });
  });

  it('rejects a policy config with an unknown field or without a strategy', async () => {
    const r1 = await call('/admin/api/policies', {
      method: 'POST',
      admin: true,
      json: { name: 'p', config: { strategy: 'all', aggregate: 'first', speed: 'max' } },
    });
    expect(r1.status).toBe(400);
    expect(((await r1.json()) as { error: { param: string } }).error.param).toBe('config.speed');
    const r2 = await call('/admin/api/policies', { method: 'POST', admin: true, json: { name: 'p', config: { aggregate: 'first' } } });
    expect(((await r2.json()) as { error: { param: string } }).error.param).toBe('config.strategy');
  });
});

describe('admin API: routing history', () => {
  it('lists routes newest first with filters and stable keyset paging, and shows one with its calls', async () => {
    await replayExpert('gemini-1.5-pro-002');
    await replayExpert('gemini-1.5-flash-002');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await chat({ model: i % 2 ? 'gemini-1.5-flash-002' : 'gemini-1.5-pro-002' })).headers.get('x-route-id')!);
    await chat({ model: 'gemini-1.5-pro-002', messages: [{ role: 'user', content: 'unrecorded' }] });

    const page1 = (await (await call('/admin/api/routes?limit=2', { admin: true })).json()) as { data: { id: string }[]; next_cursor: string };
    expect(page1.data).toHaveLength(2);
    const page2 = (await (await call(`/admin/api/routes?limit=10&cursor=${encodeURIComponent(page1.next_cursor)}`, { admin: true })).json()) as {
      data: { id: string }[];
      next_cursor: string | null;
    };
    expect(page2.data).toHaveLength(4);
    expect(page2.next_cursor).toBeNull();
    const all = [...page1.data, ...page2.data].map((r) => r.id);
    expect(new Set(all).size).toBe(6);
    expect(all.slice(1)).toEqual(ids.reverse().slice(0, 5));

    const errors = (await (await call('/admin/api/routes?status=error', { admin: true })).json()) as { data: { status: string }[] };
    expect(errors.data).toHaveLength(1);
    const flash = (await (await call('/admin/api/routes?expert=gemini-1.5-flash-002', { admin: true })).json()) as { data: unknown[] };
    expect(flash.data).toHaveLength(2);
    const byPolicy = (await (await call('/admin/api/routes?policy=gemini-1.5-pro-002&status=ok', { admin: true })).json()) as { data: unknown[] };
    expect(byPolicy.data).toHaveLength(3);

    const one = (await (await call(`/admin/api/routes/${ids[0]}`, { admin: true })).json()) as { route: Json; calls: Json[]; feedback: unknown[] };
    expect(one.route.id).toBe(ids[0]);
    expect(one.calls).toEqual([expect.objectContaining({ expert: 'gemini-1.5-pro-002', role: 'expert', status: 'ok' })]);
    expect(one.feedback).toEqual([]);
  });

  it('rejects a bad filter or cursor by name', async () => {
    const res = await call('/admin/api/routes?status=maybe', { admin: true });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('status');
    const cur = await call('/admin/api/routes?cursor=%%%', { admin: true });
    expect(cur.status).toBe(400);
  });

  it('an unknown route is a 404', async () => {
    expect((await call('/admin/api/routes/rt_nope', { admin: true })).status).toBe(404);
  });
});

describe('routing over several experts', () => {
  it('`all` with k calls the cheapest k and answers with the first', async () => {
    await replayExpert('gemini-1.5-pro-002');
    await replayExpert('gemini-1.5-flash-002', { input_price_per_mtok: 0.075, output_price_per_mtok: 0.3 });
    await addExpert({ id: 'DeepSeek-Coder-V2', provider: 'replay', model: 'DeepSeek-Coder-V2', input_price_per_mtok: 0.14, output_price_per_mtok: 0.28 });
    const res = await chat({ model: 'auto', routing: { strategy: 'all', k: 2 } });
    const body = (await res.json()) as { routing: { experts: { id: string; status: string }[]; calls: unknown[]; total_cost_usd: number } };
    expect(body.routing.experts.map((e) => e.id)).toEqual(['gemini-1.5-flash-002', 'DeepSeek-Coder-V2']);
    expect(body.routing.calls).toHaveLength(2);
  });
});
