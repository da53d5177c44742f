import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import '../../client/openai';
import { ANTHROPIC_PEER_KEY, startAnthropicPeer, type AnthropicPeer } from '../support/anthropic-peer';
import { startGateway, type RunningGateway } from '../support/gateway';
import { startOpenAiPeer, type OpenAiPeer } from '../support/openai-peer';

// The official OpenAI client, unchanged, against the running gateway (wrangler dev) over loopback
// experts that speak OpenAI's and Anthropic's protocols: tools (its stream helper assembles the
// tool-call deltas), structured output parsed by the client, images, embeddings, model lookup, and
// the typed `routing` field (client/openai.ts) type-checked by `npm test`'s tsc.

let gw: RunningGateway;
let peer: OpenAiPeer;
let anthropic: AnthropicPeer;
let client: OpenAI;
const WEATHER = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } },
};

async function register(expert: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${gw.url}/admin/api/experts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(expert),
  });
  if (res.status !== 201) throw new Error(`${res.status} ${await res.text()}`);
}

beforeAll(async () => {
  [peer, anthropic] = await Promise.all([startOpenAiPeer(), startAnthropicPeer()]);
  gw = await startGateway({ seed: false, vars: { ANTHROPIC_API_KEY: ANTHROPIC_PEER_KEY } });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.apiKey, maxRetries: 0 });
  const all = ['tools', 'json_object', 'json_schema', 'images', 'reasoning_effort'];
  await register({ id: 'peer-echo', provider: 'openai', model: 'echo', endpoint_url: peer.url });
  await register({ id: 'peer-tool', provider: 'openai', model: 'tool', endpoint_url: peer.url, capabilities: all });
  await register({ id: 'peer-json', provider: 'openai', model: 'say:{"city":"Paris","celsius":18}', endpoint_url: peer.url, capabilities: all });
  await register({ id: 'peer-embed', provider: 'openai', model: 'embed', endpoint_url: peer.url, task: 'embedding' });
  await register({ id: 'claude', provider: 'anthropic', model: 'echo', endpoint_url: anthropic.url, capabilities: ['tools', 'images'] });
  await register({ id: 'claude-tool', provider: 'anthropic', model: 'tool', endpoint_url: anthropic.url, capabilities: ['tools', 'images'] });
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await peer?.close();
  await anthropic?.close();
});

describe('the official client, as an agent uses it', () => {
  it('gets tool calls, whole and assembled by the client’s stream helper, from OpenAI and Anthropic experts', async () => {
    for (const model of ['peer-tool', 'claude-tool']) {
      const whole = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Paris?' }], tools: [WEATHER] });
      expect(whole.choices[0]!.finish_reason).toBe('tool_calls');
      expect(whole.model).toBe(model);
      const call = whole.choices[0]!.message.tool_calls![0]!;
      expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ q: 'Paris?' });

      const stream = client.chat.completions.stream({ model, messages: [{ role: 'user', content: 'Paris?' }], tools: [WEATHER] });
      const final = await stream.finalChatCompletion();
      const streamed = final.choices[0]!.message.tool_calls![0]!;
      expect(streamed.type === 'function' && [streamed.function.name, JSON.parse(streamed.function.arguments)]).toEqual(['get_weather', { q: 'Paris?' }]);
      expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    }
  });

  it('parses structured output with the client’s zod helper', async () => {
    const completion = await client.chat.completions.parse({
      model: 'peer-json',
      messages: [{ role: 'user', content: 'Weather?' }],
      response_format: zodResponseFormat(z.object({ city: z.string(), celsius: z.number() }), 'weather'),
    });
    expect(completion.choices[0]!.message.parsed).toEqual({ city: 'Paris', celsius: 18 });
  });

  it('sends images to an expert that takes them, and streams Anthropic answers', async () => {
    const stream = await client.chat.completions.create({
      model: 'claude',
      stream: true,
      messages: [
        { role: 'system', content: 'Look closely.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this? ' },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
          ],
        },
      ],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('system=Look closely. | What is this? [image image/jpeg]');
  });

  it('looks models up and embeds (the client asks for base64 and decodes it)', async () => {
    expect(await client.models.retrieve('auto')).toMatchObject({ id: 'auto', object: 'model' });
    expect(await client.models.retrieve('claude')).toMatchObject({ id: 'claude', owned_by: 'anthropic' });
    const embedded = await client.embeddings.create({ model: 'peer-embed', input: ['abc 1', 'hello world'] });
    expect(embedded.data.map((d) => d.embedding)).toEqual([
      [5, 1, 1, 1],
      [11, 3, 0, 1],
    ]);
  });

  it('takes a typed routing field and returns a typed routing summary', async () => {
    const completion = await client.chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'hi' }],
      routing: { strategy: 'fixed', experts: ['peer-echo'], aggregate: 'first', timeout_ms: 5_000 },
    });
    expect(completion.routing?.policy).toBe('auto');
    expect(completion.routing?.experts.map((e) => e.id)).toEqual(['peer-echo']);
    expect(completion.model).toBe('peer-echo');
    // A knob that does not exist is a type error here, and a 400 at the gateway.
    // @ts-expect-error: 'fastest' is not a strategy
    const wrong = client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], routing: { strategy: 'fastest' } });
    await expect(wrong).rejects.toMatchObject({ status: 400 });
  });

  it('serves an OpenAPI document generated from the same schemas', async () => {
    const doc = (await (await fetch(`${gw.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/chat/completions', '/v1/embeddings', '/v1/models/{id}']));
    expect(Object.keys(doc.components.schemas['ChatCompletionRequest']!.properties!)).toEqual(
      expect.arrayContaining(['tools', 'response_format', 'reasoning_effort', 'routing']),
    );
  });
});
