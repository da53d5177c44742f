import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { historyChaosRate } from '../../worker/db/chaos';
import worker from '../../worker/index';
import { API_KEY, RECORDED_PROMPT, replayExpert } from './helpers';

// CHAOS_HISTORY_FAILURE_RATE makes history writes fail on purpose, for the load tests. Set on a
// deployed Worker by mistake it would lose records, so it is honoured only for requests addressed to
// loopback or reserved .test hosts, which no deployed Worker is reached under.

async function chatAt(origin: string): Promise<Response> {
  const ctx = createExecutionContext();
  const req = new Request(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gemini-1.5-pro-002', messages: [{ role: 'user', content: RECORDED_PROMPT }] }),
  });
  const res = await worker.fetch(req, { ...env, CHAOS_HISTORY_FAILURE_RATE: '1' }, ctx);
  await res.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return res;
}

const routes = async (id: string | null) => (await env.DB.prepare('select count(*) as n from routes where id = ?').bind(id).first<{ n: number }>())!.n;

describe('history chaos switch', () => {
  it('is ignored on a production host: every write still lands', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const res = await chatAt('https://conclave.example.com');
    expect(res.status).toBe(200);
    expect(await routes(res.headers.get('x-route-id'))).toBe(1);
    expect(warn.mock.calls.some(([line]) => String(line).includes('chaos_ignored'))).toBe(true);
    warn.mockRestore();
  });

  it('is honoured on loopback and .test hosts only', () => {
    const on = { ...env, CHAOS_HISTORY_FAILURE_RATE: '0.2' };
    for (const url of ['http://127.0.0.1:8787/v1/chat/completions', 'http://localhost:8787/x', 'http://gateway.test/x'])
      expect(historyChaosRate(on, url), url).toBe(0.2);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    for (const url of ['https://conclave.example.com/x', 'https://gw.workers.dev/x', 'https://127.0.0.1.nip.io/x'])
      expect(historyChaosRate(on, url), url).toBe(0);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(historyChaosRate({ ...env, CHAOS_HISTORY_FAILURE_RATE: 'lots' }, 'http://127.0.0.1/x')).toBe(0);
    expect(String(error.mock.calls[0]?.[0])).toContain("CHAOS_HISTORY_FAILURE_RATE must be a number of at least 0, got 'lots'");
    error.mockRestore();
    expect(historyChaosRate({ ...env, CHAOS_HISTORY_FAILURE_RATE: '7' }, 'http://127.0.0.1/x')).toBe(1);
  });
});
