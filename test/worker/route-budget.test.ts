import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { addExpert, call, chat, seedArtifacts, sseEvents } from './helpers';

// max_cost_usd holds on every call a route makes, through the real gateway and loopback peers whose
// answers are long (4,000 characters, cut at max_tokens as a provider does): the planned experts,
// replacements, the fallback, the synthesizer, the judge and every Mixture-of-Agents round.

interface Body {
  routing: { aggregation: string; total_cost_usd: number; calls: { expert: string; role: string; status: string; cost_usd: number }[] };
  error?: { code: string };
}

// $10 / $30 per million tokens: one answer of 1,000 tokens costs $0.03, the cap's order of magnitude.
const prices = { input_price_per_mtok: 10, output_price_per_mtok: 30 };
const peer = (id: string, model = 'long-4000') => addExpert({ id, provider: 'openai', model, endpoint_url: inject('peerUrl'), ...prices });
const proposers = ['p1', 'p2', 'p3'];

async function spent(res: Response): Promise<{ body: Body; recorded: number }> {
  const body = (await res.json()) as Body;
  const row = await env.DB.prepare('select cost_usd from routes order by created_at desc limit 1').first<{ cost_usd: number }>();
  return { body, recorded: row!.cost_usd };
}

describe('max_cost_usd on every call of a route', () => {
  beforeEach(async () => {
    for (const id of [...proposers, 'synth', 'fb']) await peer(id);
    await peer('down', 'status-500');
  });

  const shapes: { name: string; routing: Record<string, unknown> }[] = [
    { name: 'synthesize', routing: { aggregate: 'synthesize', aggregator: 'synth' } },
    { name: 'judge', routing: { aggregate: 'judge', aggregator: 'synth' } },
    { name: 'layers, 2 rounds', routing: { aggregate: 'layers', aggregator: 'synth', rounds: 2 } },
    { name: 'vote', routing: { aggregate: 'vote' } },
  ];
  for (const shape of shapes) {
    for (const cap of [0.035, 0.06, 0.12, 0.25]) {
      it(`${shape.name} under max_cost_usd=${cap} never spends above it`, async () => {
        const res = await chat({ model: 'auto', routing: { strategy: 'fixed', experts: proposers, fallback: 'fb', max_cost_usd: cap, ...shape.routing } });
        expect(res.status).toBe(200);
        const { body, recorded } = await spent(res);
        const calls = body.routing.calls.filter((c) => c.status === 'ok');
        expect(body.routing.total_cost_usd).toBeCloseTo(
          calls.reduce((s, c) => s + c.cost_usd, 0),
          12,
        );
        expect(body.routing.total_cost_usd).toBeLessThanOrEqual(cap);
        expect(recorded).toBeLessThanOrEqual(cap);
        expect(calls.length).toBeGreaterThan(0);
      });
    }
  }

  it('with room for it, the synthesizer is still called (the cap is not spent on the experts alone)', async () => {
    const res = await chat({
      model: 'auto',
      routing: { strategy: 'fixed', experts: proposers, aggregate: 'synthesize', aggregator: 'synth', max_cost_usd: 0.25 },
    });
    const { body } = await spent(res);
    expect(body.routing.calls.filter((c) => c.role === 'aggregator' && c.status === 'ok').map((c) => c.expert)).toEqual(['synth']);
    expect(body.routing.total_cost_usd).toBeLessThanOrEqual(0.25);
  });

  it('the fallback is charged too: failed experts, then a fallback cut to what is left', async () => {
    const res = await chat({ model: 'auto', routing: { strategy: 'fixed', experts: ['down'], fallback: 'fb', max_cost_usd: 0.012 } });
    expect(res.status).toBe(200);
    const { body, recorded } = await spent(res);
    expect(body.routing.calls.find((c) => c.expert === 'fb')?.status).toBe('ok');
    expect(recorded).toBeLessThanOrEqual(0.012);
  });

  it('a single expert answering in one plain (non-streamed) call is held to the cap too', async () => {
    for (const [model, routing] of [
      ['auto', { strategy: 'fixed', experts: ['p1'], aggregate: 'first' }],
      ['p1', {}],
    ] as const) {
      const res = await chat({ model, routing: { ...routing, max_cost_usd: 0.012 } });
      expect(res.status).toBe(200);
      const { body, recorded } = await spent(res);
      expect(body.routing.calls.filter((c) => c.status === 'ok')).toHaveLength(1);
      expect(recorded).toBeLessThanOrEqual(0.012);
    }
  });

  it('the LLM skill extractor leaves room for an answering call: it cannot spend a cap the answer then no longer fits', async () => {
    await seedArtifacts();
    // An answer is estimated at ~$0.0099 (300 expected tokens at $30/M), each of the extractor's
    // three calls at ~$0.0030: under $0.017 two of them fit beside one answer, not three.
    const res = await chat({
      model: 'auto',
      routing: { strategy: 'skill', extractor: 'llm', allow: proposers, k: 1, aggregate: 'first', max_cost_usd: 0.017 },
    });
    expect(res.status).toBe(200);
    const { body, recorded } = await spent(res);
    const ok = (role: string) => body.routing.calls.filter((c) => c.role === role && c.status === 'ok').length;
    expect(ok('extractor')).toBe(2);
    expect(ok('expert')).toBe(1);
    expect(recorded).toBeLessThanOrEqual(0.017);
  });

  it('n choices are charged as n answers: each gets a share of what is left', async () => {
    // Three answers of ~300 expected tokens at $30/M fit $0.035, not $0.012; each is cut to a third of what is left.
    const res = await chat({ model: 'p1', n: 3, routing: { max_cost_usd: 0.035 } });
    expect(res.status).toBe(200);
    const { body, recorded } = await spent(res);
    expect((body as unknown as { choices: unknown[] }).choices).toHaveLength(3);
    expect(recorded).toBeGreaterThan(0.02);
    expect(recorded).toBeLessThanOrEqual(0.035);
    const refused = await chat({ model: 'p1', n: 3, routing: { max_cost_usd: 0.012 } });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('over_budget');
  });

  it('a streamed single-expert answer is cut where the cap is reached', async () => {
    const res = await chat({ model: 'p1', stream: true, routing: { max_cost_usd: 0.012 } });
    const events = sseEvents(await res.text());
    const last = events.at(-2) as { routing: Body['routing'] };
    expect(last.routing.total_cost_usd).toBeGreaterThan(0.005);
    expect(last.routing.total_cost_usd).toBeLessThanOrEqual(0.012);
  });

  it('the admin preview shows the same plan: the aggregator it would skip and the total it reserves', async () => {
    const res = await call('/admin/api/policies/preview', {
      method: 'POST',
      admin: true,
      json: {
        prompt: 'x'.repeat(600),
        config: { strategy: 'fixed', experts: proposers, aggregate: 'layers', aggregator: 'synth', rounds: 2, max_cost_usd: 0.035 },
      },
    });
    const p = (await res.json()) as {
      stages: { expert: string; over_budget: boolean }[][];
      aggregation: { over_budget: boolean; estimated_cost_usd: number };
      estimated_cost_usd: number;
    };
    expect(p.stages[0]!.map((c) => c.over_budget)).toEqual([false, false, false]);
    expect(p.aggregation.over_budget).toBe(true);
    expect(p.estimated_cost_usd).toBeLessThanOrEqual(0.035);
  });
});
