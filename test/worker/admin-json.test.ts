import { describe, expect, it } from 'vitest';
import { call, chat, RECORDED_PROMPT, replayExpert } from './helpers';

// Every admin JSON body names its fields in snake_case, like OpenAI's API and /v1: one convention,
// so a client never guesses. Values keyed by ids or answers (tallies, votes) are data, not fields.

const DATA_MAPS = new Set(['tally', 'votes', 'answers', 'detail', 'policy_config', 'info']);

function camelFields(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => camelFields(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(/^[a-z0-9_]+$/.test(k) ? [] : [`${path}.${k}`]),
    ...(DATA_MAPS.has(k) ? [] : camelFields(v, `${path}.${k}`)),
  ]);
}

async function json(path: string, init: { method?: string; json?: unknown } = {}): Promise<unknown> {
  const res = await call(path, { admin: true, ...init });
  expect(res.status, `${path}: ${res.status}`).toBeLessThan(300);
  return res.json();
}

describe('admin JSON is snake_case everywhere', () => {
  it('experts, health, policies, preview, routes, keys, stats, artifacts and the expert test', async () => {
    await replayExpert('gemini-1.5-pro-002');
    await replayExpert('gemini-1.5-flash-002');
    const routeId = (
      await chat({ model: 'auto', routing: { strategy: 'fixed', experts: ['gemini-1.5-pro-002', 'gemini-1.5-flash-002'], aggregate: 'judge' } })
    ).headers.get('x-route-id')!;
    await call('/v1/feedback', { method: 'POST', json: { route_id: routeId, score: 1 } });
    const key = (await json('/admin/api/keys', { method: 'POST', json: { name: 'ci', daily_budget_usd: 1 } })) as { id: string };

    const bodies: [string, unknown][] = [
      ['experts', await json('/admin/api/experts')],
      ['expert', await json('/admin/api/experts/gemini-1.5-pro-002')],
      ['health', await json('/admin/api/experts/health')],
      ['test', await json('/admin/api/experts/gemini-1.5-pro-002/test', { method: 'POST', json: { prompt: RECORDED_PROMPT } })],
      ['policies', await json('/admin/api/policies')],
      ['preview', await json('/admin/api/policies/preview', { method: 'POST', json: { prompt: 'What is 2+2?', policy: 'gemini-1.5-pro-002' } })],
      ['routes', await json('/admin/api/routes')],
      ['route', await json(`/admin/api/routes/${routeId}`)],
      ['keys', await json('/admin/api/keys')],
      ['key', await json(`/admin/api/keys/${key.id}`)],
      ['stats', await json('/admin/api/stats')],
      ['spend', await json('/admin/api/spend?by=expert')],
      ['artifacts', await json('/admin/api/artifacts')],
    ];
    const route = bodies.find(([n]) => n === 'route')![1] as {
      route: { decision: { ranked: { expert: string }[] }; aggregation_detail: Record<string, unknown> };
    };
    expect(route.route.decision.ranked.map((c) => c.expert).sort()).toEqual(['gemini-1.5-flash-002', 'gemini-1.5-pro-002']);
    expect(route.route.aggregation_detail).toHaveProperty('chosen_by');
    for (const [name, body] of bodies) expect(camelFields(body), name).toEqual([]);
  });
});
