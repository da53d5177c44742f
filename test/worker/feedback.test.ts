import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, inject, it, vi } from 'vitest';
import { createDb } from '../../worker/db/client';
import { ratedRoutesAfter } from '../../worker/learning/rated-routes';
import { FRESH_ROUTE_MS, findFreshRoute, ROUTE_RECORD_DUE_MS } from '../../worker/history/fresh-route';
import { newRouteId, routeIdTime } from '../../worker/history/route-id';
import worker from '../../worker/index';
import { addExpert, API_KEY, call, chat, RECORDED_PROMPT, replayExpert } from './helpers';

async function ratedRoute(): Promise<string> {
  await replayExpert('gemini-1.5-pro-002');
  return (await chat({ model: 'gemini-1.5-pro-002' })).headers.get('x-route-id')!;
}

describe('POST /v1/feedback', () => {
  it('stores feedback on a route and shows it with the route', async () => {
    const routeId = await ratedRoute();
    const res = await call('/v1/feedback', { method: 'POST', json: { route_id: routeId, score: 1, comment: 'right' } });
    expect(res.status).toBe(201);
    const one = (await (await call(`/admin/api/routes/${routeId}`, { admin: true })).json()) as { feedback: { score: number; comment: string }[] };
    expect(one.feedback).toEqual([expect.objectContaining({ score: 1, comment: 'right', answer: null })]);
  });

  it('rating a route again replaces the rating: the latest counts, in the history and in accuracy', async () => {
    const routeId = await ratedRoute();
    expect((await call('/v1/feedback', { method: 'POST', json: { route_id: routeId, score: 0 } })).status).toBe(201);
    const again = await call('/v1/feedback', { method: 'POST', json: { route_id: routeId, score: 1 } });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ route_id: routeId, score: 1, replaced: true });
    const one = (await (await call(`/admin/api/routes/${routeId}`, { admin: true })).json()) as { feedback: { score: number }[] };
    expect(one.feedback.map((f) => f.score)).toEqual([1]);
    const stats = (await (await call('/admin/api/stats?window=1h', { admin: true })).json()) as { totals: { feedback: number; accuracy: number } };
    expect(stats.totals).toMatchObject({ feedback: 1, accuracy: 1 });
  });

  it('each key keeps its own rating of a route it may rate', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const key = ((await (await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'client' } })).json()) as { key: string }).key;
    const routeId = (await chat({ model: 'gemini-1.5-pro-002' }, { key })).headers.get('x-route-id')!;
    await call('/v1/feedback', { method: 'POST', json: { route_id: routeId, score: 0 }, key });
    await call('/v1/feedback', { method: 'POST', json: { route_id: routeId, score: 0.2 } });
    await call('/v1/feedback', { method: 'POST', json: { route_id: routeId, score: 1 }, key });
    const rows = await env.DB.prepare('select api_key_id is null as dev, score from feedback where route_id = ? order by id')
      .bind(routeId)
      .all<{ dev: number; score: number }>();
    expect(rows.results).toEqual([
      { dev: 1, score: 0.2 },
      { dev: 0, score: 1 },
    ]);
  });

  it('takes the right answer, shows it with the route, and hands it to the learners', async () => {
    const routeId = await ratedRoute();
    const res = await call('/v1/feedback', { method: 'POST', json: { route_id: routeId, score: 0, answer: ' C ' } });
    expect(await res.json()).toMatchObject({ score: 0, answer: 'C', replaced: false });
    const one = (await (await call(`/admin/api/routes/${routeId}`, { admin: true })).json()) as { feedback: { answer: string }[] };
    expect(one.feedback[0]!.answer).toBe('C');
    const [rated] = await ratedRoutesAfter(createDb(env.DB), 0, 10);
    expect(rated).toMatchObject({ answer: 'C', score: 0 });
    expect((await call('/v1/feedback', { method: 'POST', json: { route_id: routeId, score: 0, answer: '' } })).status).toBe(400);
  });

  it('rates and shows a route the moment it is answered, before its record is written', async () => {
    await replayExpert('gemini-1.5-pro-002');
    // The chat's waitUntil (its batched history write) is left running while the client rates it.
    const ctx = createExecutionContext();
    const req = new Request('http://gateway.test/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini-1.5-pro-002', messages: [{ role: 'user', content: RECORDED_PROMPT }] }),
    });
    const res = await worker.fetch(req, env, ctx);
    await res.arrayBuffer();
    const routeId = res.headers.get('x-route-id')!;
    const [rated, shown] = await Promise.all([
      call('/v1/feedback', { method: 'POST', json: { route_id: routeId, score: 1 } }),
      call(`/admin/api/routes/${routeId}`, { admin: true }),
    ]);
    await waitOnExecutionContext(ctx);
    expect(rated.status).toBe(201);
    expect(shown.status).toBe(200);
  });

  it('rates a stream its client cancelled after a long run, while another isolate is still writing its record', async () => {
    await addExpert({ id: 'peer-stall', provider: 'openai', model: 'stall', endpoint_url: inject('peerUrl') });
    // The streaming isolate's history batches wait for `held`: its record is still on its way when the rating comes.
    let held = Promise.resolve();
    const db = env.DB;
    const writing = {
      prepare: (query: string) => db.prepare(query),
      batch: async (statements: D1PreparedStatement[]) => {
        await held;
        return db.batch(statements);
      },
    } as D1Database;
    const ctx = createExecutionContext();
    const req = new Request('http://gateway.test/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'peer-stall', stream: true, messages: [{ role: 'user', content: 'a b c' }] }),
    });
    const res = await worker.fetch(req, { ...env, DB: writing }, ctx);
    const routeId = res.headers.get('x-route-id')!;
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    while (!seen.includes('echo: ')) seen += decoder.decode((await reader.read()).value);
    // The rating goes to another isolate: a fresh copy of the Worker's modules, which holds none of this one's writes.
    vi.resetModules();
    const other = (await import('../../worker/index')).default;
    // The stream ran longer than a record takes to land once its route is over.
    const now = Date.now.bind(Date);
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => now() + FRESH_ROUTE_MS + 5_000);
    let release!: () => void;
    held = new Promise((r) => (release = r));
    try {
      await reader.cancel();
      setTimeout(release, 300);
      const rateCtx = createExecutionContext();
      const rating = new Request('http://gateway.test/v1/feedback', {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ route_id: routeId, score: 0 }),
      });
      const rated = await other.fetch(rating, env, rateCtx);
      await waitOnExecutionContext(rateCtx);
      await waitOnExecutionContext(ctx);
      expect(rated.status).toBe(201);
      expect(await rated.json()).toMatchObject({ route_id: routeId, score: 0 });
    } finally {
      release();
      clock.mockRestore();
    }
  });

  it('looks again for a fresh route another isolate is writing, and once for an old or malformed id', async () => {
    const now = Date.now();
    let lookups = 0;
    const thirdTime = () => Promise.resolve(++lookups >= 3 ? 'row' : undefined);
    expect(await findFreshRoute(newRouteId(now), thirdTime, now)).toBe('row');
    expect(lookups).toBe(3);
    for (const id of [newRouteId(now - ROUTE_RECORD_DUE_MS - 1_000), 'rt_nope', 'route-1']) {
      lookups = 0;
      expect(await findFreshRoute(id, () => Promise.resolve(++lookups && undefined), now)).toBeUndefined();
      expect(lookups).toBe(1);
    }
    expect(routeIdTime(newRouteId(now))).toBe(now);
  });

  it('refuses an unknown route, a score outside [0, 1] and another key’s route', async () => {
    expect((await call('/v1/feedback', { method: 'POST', json: { route_id: 'rt_nope', score: 1 } })).status).toBe(404);
    expect((await call('/v1/feedback', { method: 'POST', json: { route_id: 'rt_nope', score: 3 } })).status).toBe(400);
    const routeId = await ratedRoute();
    const key = ((await (await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'other' } })).json()) as { key: string }).key;
    expect((await call('/v1/feedback', { method: 'POST', json: { route_id: routeId, score: 0 }, key })).status).toBe(403);
    const n = await env.DB.prepare('select count(*) as n from feedback').first<{ n: number }>();
    expect(n!.n).toBe(0);
  });

  it('given the answer’s id, the one an OpenAI client shows, says where the route id is', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const answer = (await (await chat({ model: 'gemini-1.5-pro-002' })).json()) as { id: string };
    const res = await call('/v1/feedback', { method: 'POST', json: { route_id: answer.id, score: 1 } });
    expect(res.status).toBe(404);
    const error = ((await res.json()) as { error: { message: string; param: string } }).error;
    expect(error.param).toBe('route_id');
    expect(error.message).toContain(`use '${answer.id.slice('chatcmpl-'.length)}'`);
  });
});
