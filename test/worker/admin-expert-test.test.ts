import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, GEMINI_PRO_ANSWER, RECORDED_PROMPT, replayExpert } from './helpers';

function testExpert(id: string, json: Record<string, unknown>) {
  return call(`/admin/api/experts/${encodeURIComponent(id)}/test`, { method: 'POST', admin: true, json });
}

describe('POST /admin/api/experts/:id/test', () => {
  it('sends one prompt to the expert and returns its answer, latency, usage and cost, writing no history', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const res = await testExpert('gemini-1.5-pro-002', { prompt: RECORDED_PROMPT });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      text: string;
      latency_ms: number;
      usage: { prompt_tokens: number; completion_tokens: number };
      cost_usd: number;
      attempts: number;
    };
    const usage = { prompt_tokens: Math.ceil(RECORDED_PROMPT.length / 4), completion_tokens: Math.ceil(GEMINI_PRO_ANSWER.length / 4) };
    expect(body).toMatchObject({ text: GEMINI_PRO_ANSWER, usage, attempts: 1 });
    expect(body.cost_usd).toBeCloseTo((usage.prompt_tokens * 1.25 + usage.completion_tokens * 5) / 1e6, 12);
    expect(body.latency_ms).toBeGreaterThanOrEqual(0);
    expect((await env.DB.prepare('select count(*) as n from routes').first<{ n: number }>())!.n).toBe(0);
  });

  it('tests a disabled expert too (checking before enabling is the point)', async () => {
    await replayExpert('gemini-1.5-pro-002');
    await call('/admin/api/experts/gemini-1.5-pro-002', { method: 'PATCH', admin: true, json: { enabled: false } });
    expect((await testExpert('gemini-1.5-pro-002', { prompt: RECORDED_PROMPT })).status).toBe(200);
  });

  it('reports the expert’s failure as an OpenAI-style error', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const res = await testExpert('gemini-1.5-pro-002', { prompt: 'a prompt nobody recorded' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    const body = (await res.json()) as { error: { message: string; source: string } };
    expect(body.error.message).toBeTruthy();
  });

  it('404s an unknown expert and validates the body', async () => {
    expect((await testExpert('nope', { prompt: 'x' })).status).toBe(404);
    await replayExpert('gemini-1.5-pro-002');
    const bad = await testExpert('gemini-1.5-pro-002', { prompt: '' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('prompt');
    expect((await call('/admin/api/experts/gemini-1.5-pro-002/test', { method: 'POST', json: { prompt: 'x' } })).status).toBe(401);
  });
});
