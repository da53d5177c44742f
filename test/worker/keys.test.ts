import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { call, chat, replayExpert } from './helpers';

async function createKey(json: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const res = await call('/admin/api/keys', { method: 'POST', admin: true, json });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; key: string };
}

describe('API keys', () => {
  beforeEach(async () => {
    await replayExpert('gemini-1.5-pro-002');
    await replayExpert('gemini-1.5-flash-002');
  });

  it('are shown once, stored only as a hash, and work until revoked', async () => {
    const { id, key } = await createKey({ name: 'team-a' });
    expect(key).toMatch(/^sk-cv-/);
    const stored = await env.DB.prepare('select * from api_keys where id = ?').bind(id).first<Record<string, unknown>>();
    expect(JSON.stringify(stored)).not.toContain(key);
    const listed = await (await call('/admin/api/keys', { admin: true })).text();
    expect(listed).not.toContain(key);

    const ok = await chat({ model: 'gemini-1.5-pro-002' }, { key });
    expect(ok.status).toBe(200);
    const route = await env.DB.prepare('select api_key_id from routes').first<{ api_key_id: string }>();
    expect(route!.api_key_id).toBe(id);

    const revoked = (await (await call(`/admin/api/keys/${id}`, { method: 'DELETE', admin: true })).json()) as { revoked_at: string };
    expect((await chat({ model: 'gemini-1.5-pro-002' }, { key })).status).toBe(401);
    // Revoking again keeps the time it was revoked.
    await new Promise((r) => setTimeout(r, 5));
    const again = (await (await call(`/admin/api/keys/${id}`, { method: 'DELETE', admin: true })).json()) as { revoked_at: string };
    expect(again.revoked_at).toBe(revoked.revoked_at);
  });

  it('enforce requests per minute with a 429 and Retry-After, before any expert is called', async () => {
    const { key } = await createKey({ name: 'rpm', rpm_limit: 2 });
    expect((await chat({ model: 'gemini-1.5-pro-002' }, { key })).status).toBe(200);
    expect((await chat({ model: 'gemini-1.5-pro-002' }, { key })).status).toBe(200);
    const limited = await chat({ model: 'gemini-1.5-pro-002' }, { key });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const body = (await limited.json()) as { error: { type: string; code: string } };
    expect(body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    const calls = await env.DB.prepare('select count(*) as n from route_calls').first<{ n: number }>();
    expect(calls!.n).toBe(2);
  });

  it('tell the client its limit on every answer with the x-ratelimit-* headers, streamed or not', async () => {
    const { key } = await createKey({ name: 'rpm-headers', rpm_limit: 3 });
    const first = await chat({ model: 'gemini-1.5-pro-002' }, { key });
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('3');
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('2');
    expect(first.headers.get('x-ratelimit-reset-requests')).toMatch(/^(59|60)s$/);
    const streamed = await chat({ model: 'gemini-1.5-pro-002', stream: true }, { key });
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    expect(streamed.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    // A key without a limit gets none, rather than a made-up one.
    const { key: open } = await createKey({ name: 'no-rpm' });
    expect((await chat({ model: 'gemini-1.5-pro-002' }, { key: open })).headers.has('x-ratelimit-limit-requests')).toBe(false);
  });

  it('enforce a daily budget with a 402-style error', async () => {
    const { key } = await createKey({ name: 'budget', daily_budget_usd: 0.0001 });
    expect((await chat({ model: 'gemini-1.5-pro-002' }, { key })).status).toBe(200); // costs ~$0.00028
    const over = await chat({ model: 'gemini-1.5-pro-002' }, { key });
    expect(over.status).toBe(402);
    expect(((await over.json()) as { error: { type: string; code: string } }).error).toMatchObject({ type: 'insufficient_quota', code: 'budget_exceeded' });
  });

  it('restrict policies and experts', async () => {
    const { key: policyScoped } = await createKey({ name: 'scoped', allowed_policies: ['auto'], allowed_experts: ['gemini-1.5-flash-002'] });
    const denied = await chat({ model: 'gemini-1.5-pro-002' }, { key: policyScoped });
    expect(denied.status).toBe(403);
    // A key held to its policies cannot switch strategy per request (test/worker/key-scope.test.ts).
    expect((await chat({ model: 'auto', routing: { strategy: 'all' } }, { key: policyScoped })).status).toBe(403);
    const { key } = await createKey({ name: 'expert-scoped', allowed_experts: ['gemini-1.5-flash-002'] });
    const res = await chat({ model: 'auto', routing: { strategy: 'all' } }, { key });
    const body = (await res.json()) as { routing: { experts: { id: string }[] } };
    expect(body.routing.experts.map((e) => e.id)).toEqual(['gemini-1.5-flash-002']);
    const named = await chat({ model: 'auto', routing: { strategy: 'fixed', experts: ['gemini-1.5-pro-002'] } }, { key });
    expect(named.status).toBe(403);
  });

  it('reject unknown fields when created', async () => {
    const res = await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'x', unlimited: true } });
    expect(res.status).toBe(400);
  });
});
