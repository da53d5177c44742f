import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, chat, replayExpert } from './helpers';

describe('POST /v1/feedback', () => {
  it('stores feedback on a route and shows it with the route', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const routeId = (await chat({ model: 'gemini-1.5-pro-002' })).headers.get('x-route-id')!;
    const res = await call('/v1/feedback', { method: 'POST', json: { route_id: routeId, score: 1, comment: 'right' } });
    expect(res.status).toBe(201);
    const one = (await (await call(`/admin/api/routes/${routeId}`, { admin: true })).json()) as { feedback: { score: number; comment: string }[] };
    expect(one.feedback).toEqual([expect.objectContaining({ score: 1, comment: 'right' })]);
  });

  it('refuses an unknown route, a score outside [0, 1] and another key’s route', async () => {
    expect((await call('/v1/feedback', { method: 'POST', json: { route_id: 'rt_nope', score: 1 } })).status).toBe(404);
    expect((await call('/v1/feedback', { method: 'POST', json: { route_id: 'rt_nope', score: 3 } })).status).toBe(400);
    await replayExpert('gemini-1.5-pro-002');
    const routeId = (await chat({ model: 'gemini-1.5-pro-002' })).headers.get('x-route-id')!;
    const key = ((await (await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'other' } })).json()) as { key: string }).key;
    expect((await call('/v1/feedback', { method: 'POST', json: { route_id: routeId, score: 0 }, key })).status).toBe(403);
    const n = await env.DB.prepare('select count(*) as n from feedback').first<{ n: number }>();
    expect(n!.n).toBe(0);
  });
});
