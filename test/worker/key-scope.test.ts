import { env } from 'cloudflare:test';
import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import { AGGREGATION_NAMES, STRATEGY_NAMES } from '../../router/policy';
import { addExpert, call, chat, replayExpert, seedArtifacts } from './helpers';

// A key's scope must hold whichever way a request picks a policy or an expert: `model`, the body's
// `routing`, the `x-routing-policy` header, a saved policy's experts, aggregator and fallback, and
// the experts strategies, aggregators, judges and layers choose themselves. Random keys send random
// requests through the real Worker; the record of every call made is the evidence.

const PEERS = ['p1', 'p2', 'p3', 'p4', 'p5'];
const EXPERTS = [...PEERS, 'gemini-1.5-pro-002'];
/** Saved policies that name experts in every role. */
const SAVED = {
  wide: { strategy: 'all', aggregate: 'synthesize', aggregator: 'p5', fallback: 'p4' },
  pair: { strategy: 'fixed', experts: ['p1', 'p2'], aggregate: 'judge', aggregator: 'p3' },
  rounds: { strategy: 'fixed', experts: ['p2', 'p3'], aggregate: 'layers', rounds: 2, fallback: 'p1' },
};
const POLICIES = ['auto', 'economy', 'quality', 'balanced', ...Object.keys(SAVED)];
const MODELS = [...POLICIES, ...EXPERTS];
const NARROWING = ['allow', 'deny', 'max_cost_usd', 'timeout_ms'];

type Override = Record<string, unknown>;
interface Scope {
  allowed_policies: string[] | null;
  allowed_experts: string[] | null;
}

const ids = (pool: string[], min = 0, max = 3) => fc.uniqueArray(fc.constantFrom(...pool), { minLength: Math.min(min, pool.length), maxLength: max });
/** Mostly from the pool the key allows (so requests get through and call experts), sometimes any. */
const mostly = <T>(inScope: fc.Arbitrary<T>, any: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: inScope }, { weight: 1, arbitrary: any });

function override(pool: string[], narrowingOnly: boolean): fc.Arbitrary<Override> {
  const expert = mostly(fc.constantFrom(...pool), fc.constantFrom(...EXPERTS));
  const list = (min: number, max: number) => mostly(ids(pool, min, max), ids(EXPERTS, min, max));
  const narrowing = {
    allow: list(0, 3),
    deny: ids(EXPERTS, 0, 2),
    max_cost_usd: fc.double({ min: 0.001, max: 1, noNaN: true }),
    timeout_ms: fc.integer({ min: 2_000, max: 20_000 }),
  };
  const knobs = {
    ...narrowing,
    strategy: fc.constantFrom(...STRATEGY_NAMES),
    extractor: fc.constantFrom('local', 'llm'),
    experts: list(1, 3),
    aggregate: fc.constantFrom(...AGGREGATION_NAMES),
    aggregator: expert,
    fallback: expert,
    k: fc.integer({ min: 1, max: 3 }),
    quorum: fc.integer({ min: 1, max: 2 }),
    rounds: fc.integer({ min: 1, max: 2 }),
  };
  const wide = fc.record(knobs, { requiredKeys: [] });
  return narrowingOnly ? mostly(fc.record(narrowing, { requiredKeys: [] }), wide) : wide;
}

const scope: fc.Arbitrary<Scope> = fc.record({
  allowed_policies: fc.option(fc.uniqueArray(fc.constantFrom(...MODELS), { minLength: 1, maxLength: 4 }), { nil: null }),
  allowed_experts: fc.option(ids(EXPERTS, 1, 4), { nil: null }),
});

/** A key's scope and a request made with it, drawn mostly within the scope. */
const scopedRequest = scope.chain((s) => {
  const pool = s.allowed_experts ?? EXPERTS;
  const routing = fc.option(override(pool, s.allowed_policies !== null), { nil: undefined, freq: 2 });
  const model = mostly(fc.constantFrom(...(s.allowed_policies ?? MODELS)), fc.constantFrom(...MODELS));
  return fc.record({ scope: fc.constant(s), req: fc.record({ model, routing, header: routing }) });
});

/** The policy `model` names, as the admin API shows it (built-ins included), or an expert alone. */
async function namedPolicy(model: string): Promise<Override> {
  if (EXPERTS.includes(model)) return { strategy: 'fixed', experts: [model], aggregate: 'first' };
  const res = await call(`/admin/api/policies/${model}`, { admin: true });
  return ((await res.json()) as { config: Override }).config;
}

/** Later layers win; a layer that switches strategy drops the old one's knobs (README: policies). */
function resolved(base: Override, ...layers: (Override | undefined)[]): Override {
  const out = { ...base };
  for (const o of layers) {
    if (!o) continue;
    if (o.strategy !== undefined && o.strategy !== out.strategy) for (const k of ['experts', 'k', 'lambda', 'extractor', 'sample', 'stop_on']) delete out[k];
    Object.assign(out, o);
  }
  return out;
}

/** What the key must be refused, by the rules of key scopes; null when the request is within them. */
function refusal(s: Scope, model: string, base: Override, header: Override | undefined, routing: Override | undefined): string | null {
  if (s.allowed_policies && !s.allowed_policies.includes(model)) return model;
  if (s.allowed_policies) {
    const widening = [...Object.keys(header ?? {}), ...Object.keys(routing ?? {})].find((k) => !NARROWING.includes(k));
    if (widening) return widening;
  }
  if (!s.allowed_experts) return null;
  const policy = s.allowed_policies ? base : resolved(base, header, routing);
  const named = [
    ...((policy.experts as string[] | undefined) ?? []),
    ...[policy.aggregator, policy.fallback].filter((x): x is string => typeof x === 'string'),
  ];
  return named.find((id) => !s.allowed_experts!.includes(id)) ?? null;
}

describe('key scope', () => {
  it('holds for every way a policy or expert is chosen (property over random keys and requests)', async () => {
    for (const id of PEERS)
      await addExpert({ id, provider: 'openai', model: 'echo', endpoint_url: inject('peerUrl'), input_price_per_mtok: 1, output_price_per_mtok: 1 });
    await replayExpert('gemini-1.5-pro-002');
    await seedArtifacts();
    for (const [name, config] of Object.entries(SAVED)) {
      const res = await call('/admin/api/policies', { method: 'POST', admin: true, json: { name, config } });
      expect(res.status).toBe(201);
    }
    const bases = new Map(await Promise.all(MODELS.map(async (m) => [m, await namedPolicy(m)] as const)));

    await fc.assert(
      fc.asyncProperty(scopedRequest, async ({ scope: s, req }) => {
        const created = await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'prop', ...s } });
        const { key } = (await created.json()) as { key: string };
        const headers: Record<string, string> = req.header ? { 'x-routing-policy': JSON.stringify(req.header) } : {};
        const res = await chat({ model: req.model, ...(req.routing ? { routing: req.routing } : {}) }, { key, headers });
        const text = await res.text();
        const base = bases.get(req.model)!;

        const refused = refusal(s, req.model, base, req.header, req.routing);
        if (refused !== null) {
          expect(res.status, text).toBe(403);
          expect((JSON.parse(text) as { error: { message: string } }).error.message).toContain(refused);
        } else expect(res.status, text).not.toBe(403);

        const routeId = res.headers.get('x-route-id')!;
        const calls = (
          await env.DB.prepare('select distinct expert_id from route_calls where route_id = ?').bind(routeId).all<{ expert_id: string }>()
        ).results.map((r) => r.expert_id);
        if (s.allowed_experts) for (const id of calls) expect(s.allowed_experts, `called ${id}: ${text}`).toContain(id);
        if (refused !== null) expect(calls).toEqual([]);
        if (s.allowed_policies && calls.length) {
          const route = await env.DB.prepare('select policy, strategy, aggregation from routes where id = ?')
            .bind(routeId)
            .first<{ policy: string; strategy: string; aggregation: string }>();
          expect(s.allowed_policies).toContain(route!.policy);
          expect(route!.strategy).toBe(base.strategy);
        }
      }),
      { numRuns: 200 },
    );
  }, 300_000);

  it('a policy-scoped key narrows its policy with allow, deny and a lower cap, and cannot widen it', async () => {
    for (const id of PEERS)
      await addExpert({ id, provider: 'openai', model: 'echo', endpoint_url: inject('peerUrl'), input_price_per_mtok: 1, output_price_per_mtok: 1 });
    await call('/admin/api/policies', {
      method: 'POST',
      admin: true,
      json: { name: 'trio', config: { strategy: 'all', aggregate: 'vote', allow: ['p1', 'p2', 'p3'], deny: ['p3'] } },
    });
    const created = await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'trio-only', allowed_policies: ['trio'] } });
    const { key } = (await created.json()) as { key: string };
    // allow outside the policy's own allow and a deny that drops the policy's own deny stay narrowed.
    const res = await chat({ model: 'trio', routing: { allow: ['p1', 'p3', 'p4'], deny: ['p5'] } }, { key });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { routing: { experts: { id: string }[] } };
    expect(body.routing.experts.map((e) => e.id)).toEqual(['p1']);
    const widened = await chat({ model: 'trio' }, { key, headers: { 'x-routing-policy': JSON.stringify({ strategy: 'all', k: 5 }) } });
    expect(widened.status).toBe(403);
    expect(((await widened.json()) as { error: { message: string; param: string } }).error).toMatchObject({ param: 'x-routing-policy.strategy' });
  });
});
