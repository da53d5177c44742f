import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { addExpert, call, chat, replayExpert, sseEvents } from './helpers';

// OpenAI compatibility over a loopback OpenAI-protocol expert: the client's fields reach the
// expert, what the expert reported comes back, and what cannot be honoured is refused with why.

const peer = (id: string, model: string, extra: Record<string, unknown> = {}) =>
  addExpert({ id, provider: 'openai', model, endpoint_url: inject('peerUrl'), input_price_per_mtok: 1, output_price_per_mtok: 2, ...extra });
const ALL = ['tools', 'json_object', 'json_schema', 'images', 'reasoning_effort'];
const user = (content: unknown) => [{ role: 'user', content }];
const WEATHER = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { q: { type: 'string' } } } },
};

interface Completion {
  model: string;
  choices: {
    index: number;
    message: { content: string | null; tool_calls?: { id: string; function: { name: string; arguments: string } }[] };
    finish_reason: string;
  }[];
  usage: { prompt_tokens: number; completion_tokens: number };
  routing: { policy: string; experts: { id: string }[]; calls: { expert: string; finish_reason?: string; dropped_params?: string[] }[] };
  error?: { message: string; code: string; param: string };
}
const json = async (res: Response) => (await res.json()) as Completion;

describe('OpenAI request fields', () => {
  it('forwards every sampling field the protocol has, as sent', async () => {
    await peer('peer-request', 'request');
    const sent = {
      stop: ['\n\n', 'END'],
      seed: 42,
      top_p: 0.9,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      logit_bias: { '50256': -100 },
      max_completion_tokens: 64,
      user: 'u-1',
      temperature: 0.3,
    };
    const body = await json(await chat({ model: 'peer-request', messages: user('hi'), ...sent }));
    const received = JSON.parse(body.choices[0]!.message.content!) as Record<string, unknown>;
    expect(received).toMatchObject(sent);
    // The client named max_completion_tokens (reasoning models take no max_tokens): only that name is sent.
    expect(received).not.toHaveProperty('max_tokens');
    expect(body.routing.calls[0]!.dropped_params).toBeUndefined();
  });

  it('a single stop string is sent as a list, and max_tokens under its own name', async () => {
    await peer('peer-request', 'request');
    const body = await json(await chat({ model: 'peer-request', messages: user('hi'), stop: 'END', max_tokens: 9 }));
    expect(JSON.parse(body.choices[0]!.message.content!)).toMatchObject({ stop: ['END'], max_tokens: 9 });
  });

  it('says which fields an expert’s protocol could not carry', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const body = await json(await chat({ model: 'gemini-1.5-pro-002', seed: 7, top_p: 0.5 }));
    expect(body.routing.calls[0]!.dropped_params).toEqual(['seed', 'top_p']);
  });
});

describe('what the expert reported', () => {
  it('finish_reason and model come from the answering expert, JSON and SSE', async () => {
    await peer('peer-length', 'length');
    const body = await json(await chat({ model: 'peer-length', messages: user('a long question') }));
    expect(body.model).toBe('peer-length');
    expect(body.choices[0]!.finish_reason).toBe('length');
    expect(body.routing.calls[0]!.finish_reason).toBe('length');

    const events = sseEvents(await (await chat({ model: 'peer-length', stream: true, messages: user('a long question') })).text()).slice(0, -1) as {
      model: string;
      choices: { finish_reason: string | null }[];
    }[];
    expect(new Set(events.map((e) => e.model))).toEqual(new Set(['peer-length']));
    expect(events.flatMap((e) => e.choices).find((c) => c.finish_reason)?.finish_reason).toBe('length');
  });

  it('an ensemble names the expert whose answer won, and keeps the policy in routing.policy', async () => {
    await peer('peer-a', 'say:The answer is (B).');
    await peer('peer-b', 'say:I think (B).');
    await peer('peer-c', 'say:Surely (C).');
    const body = await json(
      await chat({ model: 'auto', messages: user('Pick one'), routing: { strategy: 'fixed', experts: ['peer-a', 'peer-b', 'peer-c'], aggregate: 'vote' } }),
    );
    expect(body.model).toBe('peer-a');
    expect(body.routing.policy).toBe('auto');
  });
});

describe('tools', () => {
  beforeEach(async () => {
    await peer('peer-tool', 'tool', { capabilities: ALL });
  });

  it('pass through to one expert and come back as tool_calls', async () => {
    const body = await json(await chat({ model: 'peer-tool', messages: user('Paris?'), tools: [WEATHER], tool_choice: 'auto', parallel_tool_calls: false }));
    expect(body.choices[0]!.finish_reason).toBe('tool_calls');
    expect(body.choices[0]!.message.content).toBeNull();
    expect(body.choices[0]!.message.tool_calls).toEqual([
      { id: 'call_peer_1', type: 'function', function: { name: 'get_weather', arguments: '{"q":"Paris?"}' } },
    ]);
  });

  it('stream as tool-call deltas that add up to the call', async () => {
    const events = sseEvents(await (await chat({ model: 'peer-tool', stream: true, messages: user('Paris?'), tools: [WEATHER] })).text()).slice(0, -1) as {
      choices: { delta: { tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[] }; finish_reason: string | null }[];
    }[];
    const deltas = events.flatMap((e) => e.choices.flatMap((c) => c.delta.tool_calls ?? []));
    expect(deltas.length).toBeGreaterThanOrEqual(3);
    expect(deltas[0]).toMatchObject({ index: 0, id: 'call_peer_1', function: { name: 'get_weather' } });
    expect(deltas.map((d) => d.function?.arguments ?? '').join('')).toBe('{"q":"Paris?"}');
    expect(events.flatMap((e) => e.choices).find((c) => c.finish_reason)?.finish_reason).toBe('tool_calls');
  });

  it('a conversation with tool results reaches the expert in OpenAI’s shape', async () => {
    await peer('peer-request', 'request', { capabilities: ALL });
    const messages = [
      { role: 'user', content: 'Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"q":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
    ];
    const body = await json(await chat({ model: 'peer-request', messages, tools: [WEATHER] }));
    expect((JSON.parse(body.choices[0]!.message.content!) as { messages: unknown[] }).messages).toEqual([
      { role: 'user', content: 'Paris?' },
      { role: 'assistant', content: null, tool_calls: messages[1]!.tool_calls },
      { role: 'tool', content: '18°C', tool_call_id: 'call_1' },
    ]);
  });

  it('routing only considers experts whose registry entry supports them', async () => {
    await peer('peer-plain', 'echo');
    const body = await json(await chat({ model: 'auto', messages: user('Paris?'), tools: [WEATHER], routing: { strategy: 'all', aggregate: 'first' } }));
    expect(body.routing.experts.map((e) => e.id)).toEqual(['peer-tool']);
    expect(body.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('an expert without the capability is refused by name', async () => {
    await peer('peer-plain', 'echo');
    const res = await chat({ model: 'peer-plain', messages: user('Paris?'), tools: [WEATHER] });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error).toMatchObject({ code: 'unsupported_by_expert', param: 'model' });
    expect(body.error!.message).toMatch(/peer-plain.*tools/);
  });

  it('an aggregation that cannot honour them is a 400 that says why, and nothing is called', async () => {
    const res = await chat({
      model: 'auto',
      messages: user('Paris?'),
      tools: [WEATHER],
      routing: { strategy: 'fixed', experts: ['peer-tool'], aggregate: 'vote' },
    });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error).toMatchObject({ code: 'unsupported_by_aggregation', param: 'routing.aggregate' });
    expect(body.error!.message).toMatch(/cannot honour tools.*tool calls cannot be counted as votes/);
    const calls = await env.DB.prepare('select count(*) as n from route_calls').first<{ n: number }>();
    expect(calls!.n).toBe(0);
  });
});

describe('response_format, images and reasoning_effort', () => {
  it('json_schema and reasoning_effort reach a capable expert; a synthesis cannot honour the schema', async () => {
    await peer('peer-request', 'request', { capabilities: ALL });
    const response_format = {
      type: 'json_schema',
      json_schema: { name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' } } }, strict: true },
    };
    const body = await json(await chat({ model: 'peer-request', messages: user('hi'), response_format, reasoning_effort: 'low' }));
    expect(JSON.parse(body.choices[0]!.message.content!)).toMatchObject({ response_format, reasoning_effort: 'low' });

    const refused = await chat({
      model: 'auto',
      messages: user('hi'),
      response_format,
      routing: { strategy: 'fixed', experts: ['peer-request'], aggregate: 'synthesize' },
    });
    expect(refused.status).toBe(400);
    expect((await json(refused)).error!.message).toMatch(/json_schema.*synthesizer writes a new answer/);
  });

  it('image parts reach an expert that takes images, in order with the text', async () => {
    await peer('peer-request', 'request', { capabilities: ['images'] });
    const content = [
      { type: 'text', text: 'What is in ' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
    ];
    const body = await json(await chat({ model: 'peer-request', messages: user(content) }));
    expect((JSON.parse(body.choices[0]!.message.content!) as { messages: unknown[] }).messages).toEqual([{ role: 'user', content }]);

    await replayExpert('gemini-1.5-pro-002');
    const refused = await chat({ model: 'gemini-1.5-pro-002', messages: user(content) });
    expect(refused.status).toBe(400);
    expect((await json(refused)).error!.message).toMatch(/does not support image content parts/);
  });
});

describe('n', () => {
  it('returns n choices from one expert', async () => {
    await peer('peer-echo', 'echo');
    const body = await json(await chat({ model: 'peer-echo', messages: user('hi'), n: 2 }));
    expect(body.choices.map((c) => [c.index, c.message.content])).toEqual([
      [0, 'echo: hi'],
      [1, 'echo: hi (2)'],
    ]);
  });

  it('is refused with an aggregation, and while streaming', async () => {
    await peer('peer-echo', 'echo');
    const voted = await chat({ model: 'auto', messages: user('hi'), n: 2, routing: { strategy: 'fixed', experts: ['peer-echo'], aggregate: 'vote' } });
    expect(voted.status).toBe(400);
    expect((await json(voted)).error).toMatchObject({ code: 'unsupported_n', param: 'n' });
    const streamed = await chat({ model: 'peer-echo', messages: user('hi'), n: 2, stream: true });
    expect(streamed.status).toBe(400);
  });
});

describe('the registry’s capability flags', () => {
  it('are validated against what the provider can carry', async () => {
    const res = await call('/admin/api/experts', {
      method: 'POST',
      admin: true,
      json: { id: 'claude', provider: 'anthropic', model: 'claude-x', capabilities: ['tools', 'json_schema'] },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Completion).error!.message).toMatch(/anthropic.*cannot carry json_schema/);
    const replay = await call('/admin/api/experts', {
      method: 'POST',
      admin: true,
      json: { id: 'r', provider: 'replay', model: 'r', endpoint_url: 'http://127.0.0.1:1' },
    });
    expect(replay.status).toBe(400);
    const embedding = await call('/admin/api/experts', { method: 'POST', admin: true, json: { id: 'e', provider: 'hf', model: 'e', task: 'embedding' } });
    expect(((await embedding.json()) as Completion).error!.message).toMatch(/serves no embeddings/);
  });
});

describe('an expert’s own error message', () => {
  it('reaches the client from an hf endpoint that answers in OpenAI’s error shape, as from an openai one', async () => {
    // A TGI or vLLM server (the GPU service too) nests its message in `error`; the HF client reads only flat ones.
    for (const provider of ['openai', 'hf']) {
      await addExpert({ id: `strict-${provider}`, provider, model: 'status-400', endpoint_url: inject('peerUrl') });
      const body = (await (await chat({ model: `strict-${provider}`, messages: user('hi') })).json()) as { error: { message: string } };
      expect(body.error.message).toContain('HTTP 400: injected 400');
    }
  });
});
