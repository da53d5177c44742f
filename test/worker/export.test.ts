import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { replayExpertProfile, routingExampleSchema, type RoutingExample } from '../../router/data-format';
import { buildStrategies } from '../../router/strategies';
import { train } from '../../router/train';
import { createDb } from '../../worker/db/client';
import { saveArtifacts } from '../../worker/db/artifacts';
import { call, seedArtifacts } from './helpers';

// A deployment retrains on its own traffic: routes rated through /v1/feedback come out of
// GET /admin/api/export in the routing-data format, `train()` (what `npm run train` runs) fits
// artifacts on them, and the gateway routes with those artifacts.

const experts = ['gemini-1.5-pro-002', 'gemini-1.5-flash-002', 'Meta-Llama-3_1-70B-Instruct', 'gemma-7b'];

async function exported(after = 0): Promise<RoutingExample[]> {
  const res = await call(`/admin/api/export?after=${after}`, { admin: true });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/ndjson/);
  // Decoded by hand: workerd warns when .text() reads a body whose type is not text/* (NDJSON).
  return new TextDecoder()
    .decode(await res.arrayBuffer())
    .split('\n')
    .filter(Boolean)
    .map((line) => routingExampleSchema.parse(JSON.parse(line)));
}

describe('export -> train -> artifacts', () => {
  beforeEach(async () => {
    await seedArtifacts();
    for (const m of env.TEST_MODELS.filter((m) => experts.includes(m.name))) {
      await call('/admin/api/experts', {
        method: 'POST',
        admin: true,
        json: { id: m.name, provider: 'replay', model: m.name, input_price_per_mtok: m.inputPricePerMTok, output_price_per_mtok: m.outputPricePerMTok },
      });
    }
  });

  it('exports rated routes in the data format, trains on them and routes with the result', async () => {
    const questions = env.TEST_QUESTIONS;
    const routeIds: string[] = [];
    for (const [i, q] of questions.entries()) {
      const res = await call('/v1/chat/completions', {
        method: 'POST',
        json: { model: 'auto', messages: [{ role: 'user', content: q.prompt }], routing: { strategy: 'fixed', experts, aggregate: 'vote' } },
      });
      expect(res.status).toBe(200);
      const id = ((await res.json()) as { routing: { route_id: string } }).routing.route_id;
      routeIds.push(id);
      // Most raters give the right answer; a few only say the answer was good or bad.
      const rating = i % 5 === 4 ? { score: 1 } : { score: 1, answer: q.answer };
      expect((await call('/v1/feedback', { method: 'POST', json: { route_id: id, ...rating } })).status).toBeLessThan(300);
    }

    const lines = await exported();
    expect(lines.length).toBeGreaterThanOrEqual(questions.length * 0.8);
    const byId = new Map(lines.map((x) => [x.id, x]));
    const first = byId.get(routeIds[0]!)!;
    expect(first).toMatchObject({ prompt: questions[0]!.prompt, answer: questions[0]!.answer, options: [] });
    expect(Object.keys(first.outcomes).sort()).toEqual([...experts].sort());
    // With the rater's answer, an expert is right exactly when its answer is that one.
    for (const o of Object.values(first.outcomes)) expect(o.correct).toBe(o.pred === questions[0]!.answer);
    expect(await exported(Number(first.source.replace('feedback-', '')))).toHaveLength(lines.length - 1);

    const records = train(
      lines.map((x) => ({ prompt: x.prompt, outcomes: x.outcomes })),
      { version: 2, createdAt: '2026-01-01T00:00:00.000Z' },
    );
    const strategies = buildStrategies(new Map(records.map((r) => [r.name, r])));
    const profiles = env.TEST_MODELS.filter((m) => experts.includes(m.name)).map(replayExpertProfile);
    const decision = await strategies
      .get('learned')!
      .decide({ prompt: questions[0]!.prompt, messages: [] }, profiles, { name: 'x', strategy: 'learned', aggregate: 'first' });
    expect(experts).toContain(decision.stages[0]![0]!.expertId);

    // Saved as the next versions, the gateway routes with them.
    const saved = await saveArtifacts(
      createDb(env.DB),
      records.filter((r) => r.name !== 'synthesis-skill').map((r) => ({ name: r.name, data: r.data, feedbackThrough: 0, basedOn: 1 })),
    );
    expect(saved.every((h) => h.version === 2)).toBe(true);
    const res = await call('/v1/chat/completions', { method: 'POST', json: { model: 'quality', messages: [{ role: 'user', content: questions[1]!.prompt }] } });
    expect(res.status).toBe(200);
  }, 120_000);

  it('refuses an unknown query field, naming it', async () => {
    const res = await call('/admin/api/export?since=3', { admin: true });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('since');
  });
});
