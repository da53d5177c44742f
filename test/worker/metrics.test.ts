import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { exposition } from '../../worker/admin/prometheus';
import { runScheduled } from '../../worker/scheduled';
import { call, chat, replayExpert } from './helpers';
import { policyLabels, scrape } from './scrape';

// GET /admin/api/metrics: the gateway in Prometheus text format, from D1, counters that survive
// retention.

describe('Prometheus metrics', () => {
  it('counts routes, calls, tokens and cost by policy and expert, and the counters survive retention', async () => {
    await replayExpert('gemini-1.5-pro-002');
    await chat({ model: 'gemini-1.5-pro-002' });
    await chat({ model: 'gemini-1.5-pro-002' });
    await chat({ model: 'gemini-1.5-pro-002', messages: [{ role: 'user', content: 'never recorded' }] });
    const before = await scrape();
    expect(before.get('conclave_routes_total{policy="gemini-1.5-pro-002",outcome="ok"}')).toBe(2);
    expect(before.get('conclave_routes_total{policy="gemini-1.5-pro-002",outcome="failed"}')).toBe(1);
    expect(before.get('conclave_expert_calls_total{expert="gemini-1.5-pro-002",outcome="ok"}')).toBe(2);
    expect(before.get('conclave_route_cost_usd_total{policy="gemini-1.5-pro-002"}')).toBeGreaterThan(0);
    expect(before.get('conclave_route_latency_ms_count{policy="gemini-1.5-pro-002"}')).toBe(3);
    expect(before.get('conclave_experts{state="enabled"}')).toBe(1);
    expect(before.get('conclave_expert_circuit_open{expert="gemini-1.5-pro-002"}')).toBe(0);

    await runScheduled({ ...env, RETENTION_DAYS: '1' }, Date.now() + 2 * 86_400_000);
    const after = await scrape();
    for (const name of [...before.keys()].filter((k) => k.includes('_total'))) expect(after.get(name), name).toBeCloseTo(before.get(name)!, 12);
    expect(after.get('conclave_route_latency_ms_count{policy="gemini-1.5-pro-002"}')).toBeUndefined();
  });

  it('counts refused requests for names that are no policy or expert under one label, and keeps what was sent in the history', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const sent = Array.from({ length: 50 }, (_, i) => `no-such-model-${i}`);
    for (const model of sent) expect((await chat({ model })).status, model).toBe(404);
    // A known name refused before its policy resolved keeps its own label.
    expect((await chat({ model: 'auto' }, { headers: { 'x-routing-policy': '{' } })).status).toBe(400);
    const before = await scrape();
    expect(policyLabels(before)).toEqual(new Set(['(unknown)', 'auto']));
    expect(before.get('conclave_routes_total{policy="(unknown)",outcome="failed"}')).toBe(50);
    expect(before.get('conclave_routes_total{policy="auto",outcome="failed"}')).toBe(1);
    expect(before.get('conclave_route_latency_ms_count{policy="(unknown)"}')).toBe(50);
    const recorded = await env.DB.prepare("select model, policy from routes where model like 'no-such-model-%'").all<{ model: string; policy: string }>();
    expect(new Set(recorded.results.map((r) => r.model))).toEqual(new Set(sent));
    expect(recorded.results.every((r) => r.policy === r.model)).toBe(true);

    // Rolled up, the names are still bounded.
    await runScheduled({ ...env, RETENTION_DAYS: '1' }, Date.now() + 2 * 86_400_000);
    const after = await scrape();
    expect(policyLabels(after)).toEqual(new Set(['(unknown)', 'auto']));
    expect(after.get('conclave_routes_total{policy="(unknown)",outcome="failed"}')).toBe(50);
  });

  it('needs the admin token', async () => {
    expect((await call('/admin/api/metrics', { key: null })).status).toBe(401);
  });

  it('escapes label values and writes non-finite numbers as Prometheus does', () => {
    const text = exposition([{ name: 'x', help: 'a\nb', type: 'gauge', samples: [{ labels: { e: 'a"b\\c\nd' }, value: Number.NaN }] }]);
    expect(text).toBe('# HELP x a\\nb\n# TYPE x gauge\nx{e="a\\"b\\\\c\\nd"} NaN\n');
  });
});
