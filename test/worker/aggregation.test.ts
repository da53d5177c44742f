import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { addExpert, chat, replayExpert, sseEvents } from './helpers';

// Aggregation through the gateway on real recorded answers (question mmlu-pro-70, answer H).

interface Body {
  choices: { message: { content: string } }[];
  usage: { prompt_tokens: number; completion_tokens: number };
  routing: {
    aggregation: string;
    winner?: string;
    tally?: Record<string, number>;
    calls: { expert: string; role: string; status: string; cost_usd: number }[];
    total_cost_usd: number;
  };
  error?: { code: string; experts: { expert: string }[] };
}

const voters = ['gemini-1.5-pro-002', 'gemini-1.5-flash-002', 'Meta-Llama-3_1-70B-Instruct'];

describe('aggregation in the gateway', () => {
  beforeEach(async () => {
    for (const id of voters) await replayExpert(id);
  });

  it('vote returns the majority answer with its tally, and sums every call into usage and cost', async () => {
    const res = await chat({ model: 'auto', routing: { strategy: 'fixed', experts: voters, aggregate: 'vote' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Body;
    expect(body.routing.aggregation).toBe('vote');
    expect(body.routing.tally).toMatchObject({ H: expect.any(Number) });
    expect(Object.entries(body.routing.tally!).sort((a, b) => b[1] - a[1])[0]![0]).toBe('H');
    expect(body.choices[0]!.message.content).toMatch(/\(H\)/);
    const cost = body.routing.calls.reduce((s, c) => s + c.cost_usd, 0);
    expect(body.routing.total_cost_usd).toBeCloseTo(cost, 12);
    const route = await env.DB.prepare('select cost_usd, completion_tokens from routes').first<{ cost_usd: number; completion_tokens: number }>();
    expect(route!.cost_usd).toBeCloseTo(cost, 12);
    expect(route!.completion_tokens).toBe(body.usage.completion_tokens);
  });

  it('streams the vote winner once decided, then usage and routing', async () => {
    const res = await chat({
      model: 'auto',
      stream: true,
      stream_options: { include_usage: true },
      routing: { strategy: 'fixed', experts: voters, aggregate: 'vote' },
    });
    const events = sseEvents(await res.text());
    const chunks = events.slice(0, -1) as { choices: { delta: { content?: string } }[]; routing?: Body['routing'] }[];
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toMatch(/\(H\)/);
    expect(chunks.at(-1)!.routing!.aggregation).toBe('vote');
  });

  it('a failing expert is left out and recorded; the quorum still holds', async () => {
    await addExpert({ id: 'voter-down', provider: 'openai', model: 'status-500', endpoint_url: inject('peerUrl') });
    const res = await chat({ model: 'auto', routing: { strategy: 'fixed', experts: [...voters, 'voter-down'], aggregate: 'vote', quorum: 3 } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Body;
    expect(body.routing.calls.find((c) => c.expert === 'voter-down')!.status).toBe('error');
  });

  it('below the quorum the answer is a clear error naming every failed expert', async () => {
    await addExpert({ id: 'down-1', provider: 'openai', model: 'status-500', endpoint_url: inject('peerUrl') });
    await addExpert({ id: 'down-2', provider: 'openai', model: 'status-400', endpoint_url: inject('peerUrl') });
    const res = await chat({
      model: 'auto',
      routing: { strategy: 'fixed', experts: ['gemini-1.5-pro-002', 'down-1', 'down-2'], aggregate: 'vote', quorum: 2 },
    });
    expect(res.status).toBe(502);
    const body = (await res.json()) as Body;
    expect(body.error!.code).toBe('quorum_not_met');
    expect(body.error!.experts.map((e) => e.expert).sort()).toEqual(['down-1', 'down-2']);
  });
});
