import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExamples } from '../../scripts/lib/dataset';
import { startGateway, type RunningGateway } from '../support/gateway';

// The newcomer's path: the running gateway (wrangler dev, local D1 seeded with the 29 replay
// experts), the official OpenAI client, a prompt from the dev split, the route in the admin API.

let gw: RunningGateway;
const example = loadExamples('data/mmlu-pro-routing/dev.jsonl.gz')[42]!;

beforeAll(async () => {
  gw = await startGateway();
}, 120_000);

afterAll(async () => {
  await gw?.stop();
});

describe('the official openai client against the running gateway', () => {
  it('gets the recorded answer of the chosen expert and finds the route in the admin API', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.apiKey });
    const completion = await client.chat.completions.create({ model: 'gemini-1.5-pro-002', messages: [{ role: 'user', content: example.prompt }] });
    expect(completion.choices[0]!.message.content).toBe(example.outcomes['gemini-1.5-pro-002']!.text);
    const routeId = (completion as unknown as { routing: { route_id: string } }).routing.route_id;

    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('Meta-Llama-3_1-70B-Instruct');

    let route: { route: { id: string; status: string }; calls: { expert: string; status: string }[] } | null = null;
    for (let i = 0; i < 50 && !route; i++) {
      const res = await fetch(`${gw.url}/admin/api/routes/${routeId}`, { headers: { authorization: `Bearer ${gw.adminToken}` } });
      if (res.status === 200) route = (await res.json()) as typeof route;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(route!.route.status).toBe('ok');
    expect(route!.calls).toEqual([expect.objectContaining({ expert: 'gemini-1.5-pro-002', status: 'ok' })]);
  });

  it('routes by a preset from the artifacts seeded like npm start does, and the bandit learns from a rating', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.apiKey });
    const completion = await client.chat.completions.create({ model: 'economy', messages: [{ role: 'user', content: example.prompt }] });
    const routing = (completion as unknown as { routing: { policy: string; strategy: string; route_id: string; calls: { expert: string; status: string }[] } })
      .routing;
    expect(routing).toMatchObject({ policy: 'economy', strategy: 'cascade' });
    const answers = routing.calls.filter((c) => c.status === 'ok').map((c) => example.outcomes[c.expert]!.text);
    expect(answers).toContain(completion.choices[0]!.message.content);

    const admin = { authorization: `Bearer ${gw.adminToken}` };
    const artifacts = async () =>
      ((await (await fetch(`${gw.url}/admin/api/artifacts`, { headers: admin })).json()) as { data: { name: string; version: number }[] }).data;
    expect((await artifacts()).map((a) => a.name)).toEqual(
      expect.arrayContaining(['bandit-linucb', 'learned-correctness', 'router-features', 'skill-profiles']),
    );
    const rated = await fetch(`${gw.url}/v1/feedback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ route_id: routing.route_id, score: 1 }),
    });
    expect(rated.status).toBe(201);
    const learned = (await (await fetch(`${gw.url}/admin/api/artifacts/learn`, { method: 'POST', headers: admin })).json()) as {
      feedback: number;
      saved: string[];
    };
    expect(learned.feedback).toBe(1);
    expect((await artifacts()).find((a) => a.name === 'learned-correctness')!.version).toBe(2);
  });

  it('streams with the client unchanged', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.apiKey });
    const stream = await client.chat.completions.create({
      model: 'Meta-Llama-3_1-70B-Instruct',
      messages: [{ role: 'user', content: example.prompt }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(example.outcomes['Meta-Llama-3_1-70B-Instruct']!.text);
    expect(usage).toMatchObject({ prompt_tokens: Math.ceil(example.prompt.length / 4) });
  });

  it('surfaces gateway errors as OpenAI API errors', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.apiKey, maxRetries: 0 });
    await expect(client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 404 });
  });
});
