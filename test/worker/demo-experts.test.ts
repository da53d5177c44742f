import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { call, chat, addExpert, seedArtifacts, seedReplayExperts } from './helpers';

// A demo expert (npm start registers the GPU service's random-weights checkpoint as one) costs
// nothing, so a cost-aware router would love it; it answers gibberish. Built-in policies never
// choose it; a request or policy that names it gets it. And `extractor: "llm"` works in the gateway:
// the skill strategy gets the request's own caller.

interface Body {
  routing: { experts: { id: string; status: string }[]; calls: { expert: string; role: string; status: string }[] };
  error?: { code: string; message: string };
}

const DEMO = 'gpu-demo';
const calledIn = async (res: Response) => ((await res.json()) as Body).routing.calls.map((c) => c.expert);

describe('demo experts are used only where named', () => {
  beforeEach(async () => {
    await seedArtifacts();
    await seedReplayExperts();
    await addExpert({
      id: DEMO,
      provider: 'openai',
      model: 'echo',
      endpoint_url: inject('peerUrl'),
      input_price_per_mtok: 0,
      output_price_per_mtok: 0,
      demo: true,
    });
  });

  it('the admin API stores and reports the flag', async () => {
    const res = await call(`/admin/api/experts/${DEMO}`, { admin: true });
    expect(((await res.json()) as { demo: boolean }).demo).toBe(true);
  });

  const built: [string, Record<string, unknown>][] = [
    ...['auto', 'economy', 'balanced', 'quality'].map((m): [string, Record<string, unknown>] => [m, {}]),
    ...[{ strategy: 'learned', lambda: 1 }, { strategy: 'skill' }, { strategy: 'bandit' }, { strategy: 'all', aggregate: 'vote' }].map(
      (r): [string, Record<string, unknown>] => ['auto', r],
    ),
  ];
  for (const [model, routing] of built) {
    it(`${model} ${JSON.stringify(routing)} never calls it`, async () => {
      const res = await chat({ model, routing });
      expect(res.status).toBe(200);
      const called = await calledIn(res);
      expect(called.length).toBeGreaterThan(0);
      expect(called).not.toContain(DEMO);
    });
  }

  it('named as the model, in a fixed list or an allow list, it answers', async () => {
    expect(await calledIn(await chat({ model: DEMO }))).toEqual([DEMO]);
    expect(await calledIn(await chat({ model: 'auto', routing: { strategy: 'fixed', experts: [DEMO] } }))).toEqual([DEMO]);
    expect(
      await calledIn(await chat({ model: 'auto', routing: { strategy: 'learned', allow: [DEMO, 'gemini-1.5-pro-002'], k: 2, aggregate: 'first' } })),
    ).toContain(DEMO);
  });

  it('the preview says why it is left out', async () => {
    const res = await call('/admin/api/policies/preview', { method: 'POST', admin: true, json: { prompt: 'What is 2 + 2?', policy: 'economy' } });
    const p = (await res.json()) as { excluded: { expert: string; reason: string }[] };
    expect(p.excluded).toContainEqual({ expert: DEMO, reason: 'demo, not named' });
  });

  it('without the flag it is an ordinary expert again (PATCH demo: false)', async () => {
    const res = await call(`/admin/api/experts/${DEMO}`, { method: 'PATCH', admin: true, json: { demo: false } });
    expect(res.status).toBe(200);
    const all = await chat({ model: 'auto', routing: { strategy: 'all', aggregate: 'vote' } });
    expect(await calledIn(all)).toContain(DEMO);
  });
});

describe('extractor: "llm" in the gateway', () => {
  beforeEach(async () => {
    await seedArtifacts();
    // The only eligible expert is also the extractor: it names the same skills on every sample.
    await addExpert({
      id: 'kw',
      provider: 'openai',
      model: 'say:probability, statistics',
      endpoint_url: inject('peerUrl'),
      input_price_per_mtok: 1,
      output_price_per_mtok: 1,
    });
  });

  it('asks an expert for skill keywords through the request caller, recorded as extractor calls', async () => {
    const res = await chat({ model: 'auto', routing: { strategy: 'skill', extractor: 'llm', allow: ['kw'] } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Body;
    expect(body.routing.calls.filter((c) => c.role === 'extractor' && c.status === 'ok')).toHaveLength(3);
    const recorded = await env.DB.prepare("select count(*) as n from route_calls where role = 'extractor'").first<{ n: number }>();
    expect(recorded!.n).toBe(3);
  });
});
