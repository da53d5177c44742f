import { beforeEach, describe, expect, inject, it } from 'vitest';
import { addExpert, chat, sseEvents } from './helpers';

// The anthropic provider against a loopback server speaking Anthropic's Messages API (it checks
// the key, the version header, max_tokens, alternating roles and tool results like the real API).

const claude = (id: string, model: string, extra: Record<string, unknown> = {}) =>
  addExpert({ id, provider: 'anthropic', model, endpoint_url: inject('anthropicUrl'), input_price_per_mtok: 3, output_price_per_mtok: 15, ...extra });
const WEATHER = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { q: { type: 'string' } } } },
};

interface Completion {
  model: string;
  choices: { message: { content: string | null; tool_calls?: { id: string; function: { name: string; arguments: string } }[] }; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number };
  routing: { calls: { status: string; attempts?: number; dropped_params?: string[] }[]; total_cost_usd: number };
  error?: { message: string; source: string };
}
interface Chunk {
  model: string;
  choices: {
    delta: { content?: string; tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[] };
    finish_reason: string | null;
  }[];
  usage?: { prompt_tokens: number; completion_tokens: number };
}
const json = async (res: Response) => (await res.json()) as Completion;
const chunks = async (res: Response) => sseEvents(await res.text()).slice(0, -1) as Chunk[];

describe('anthropic provider', () => {
  beforeEach(async () => {
    await claude('claude-echo', 'echo');
    await claude('claude-tool', 'tool', { capabilities: ['tools', 'images'] });
  });

  it('sends system prompts as `system`, answers with the text, usage as reported and its cost', async () => {
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'developer', content: 'Answer in English.' },
      { role: 'user', content: 'Hello' },
    ];
    const body = await json(await chat({ model: 'claude-echo', messages }));
    expect(body.choices[0]!.message.content).toBe('system=Be brief.\n\nAnswer in English. | Hello');
    expect(body.choices[0]!.finish_reason).toBe('stop');
    expect(body.model).toBe('claude-echo');
    // Cache reads are input tokens too: 11 + 3.
    expect(body.usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 7 });
    expect(body.routing.total_cost_usd).toBeCloseTo((14 * 3 + 7 * 15) / 1e6, 12);
  });

  it('streams text deltas, the stop reason and usage', async () => {
    const events = await chunks(
      await chat({
        model: 'claude-echo',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'Stream me a longer answer' }],
      }),
    );
    expect(events.map((e) => e.choices[0]?.delta.content ?? '').join('')).toBe('system= | Stream me a longer answer');
    expect(events.filter((e) => e.choices[0]?.delta.content).length).toBeGreaterThan(1);
    expect(events.flatMap((e) => e.choices).find((c) => c.finish_reason)?.finish_reason).toBe('stop');
    expect(events.at(-1)!.usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 7 });
  });

  it('maps max_tokens to a `length` finish, and leaves out what the Messages API lacks, saying so', async () => {
    await claude('claude-short', 'short');
    const body = await json(
      await chat({ model: 'claude-short', messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 5, seed: 3, stop: ['X'], top_p: 0.5 }),
    );
    expect(body.choices[0]!.finish_reason).toBe('length');
    expect(body.routing.calls[0]!.dropped_params).toEqual(['seed']);
    await claude('claude-request', 'request');
    const sent = await json(
      await chat({
        model: 'claude-request',
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 5,
        stop: ['X'],
        top_p: 0.5,
        user: 'u-9',
        temperature: 1.5,
      }),
    );
    expect(JSON.parse(sent.choices[0]!.message.content!)).toMatchObject({
      max_tokens: 5,
      stop_sequences: ['X'],
      top_p: 0.5,
      metadata: { user_id: 'u-9' },
      temperature: 1,
    });
  });

  it('turns tools into Anthropic tools and tool_use back into tool_calls', async () => {
    const body = await json(await chat({ model: 'claude-tool', messages: [{ role: 'user', content: 'Paris?' }], tools: [WEATHER], tool_choice: 'required' }));
    expect(body.choices[0]!.finish_reason).toBe('tool_calls');
    expect(body.choices[0]!.message.content).toBe('Calling the tool.');
    expect(body.choices[0]!.message.tool_calls).toEqual([
      { id: 'toolu_peer_1', type: 'function', function: { name: 'get_weather', arguments: '{"q":"Paris?"}' } },
    ]);
  });

  it('streams tool_use as OpenAI tool-call deltas', async () => {
    const events = await chunks(await chat({ model: 'claude-tool', stream: true, messages: [{ role: 'user', content: 'Paris?' }], tools: [WEATHER] }));
    const deltas = events.flatMap((e) => e.choices.flatMap((c) => c.delta.tool_calls ?? []));
    expect(deltas[0]).toMatchObject({ index: 0, id: 'toolu_peer_1', function: { name: 'get_weather', arguments: '' } });
    expect(deltas.map((d) => d.function?.arguments ?? '').join('')).toBe('{"q":"Paris?"}');
    expect(events.flatMap((e) => e.choices).find((c) => c.finish_reason)?.finish_reason).toBe('tool_calls');
  });

  it('sends a tool conversation and images the way the Messages API wants them', async () => {
    await claude('claude-request', 'request', { capabilities: ['tools', 'images'] });
    const messages = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather where this is? ' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ],
      },
      { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"q":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: '18°C' },
    ];
    const body = await json(await chat({ model: 'claude-request', messages, tools: [WEATHER] }));
    expect(body.error).toBeUndefined();
    const sent = JSON.parse(body.choices[0]!.message.content!) as { messages: unknown[]; tools: unknown[] };
    expect(sent.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather where this is? ' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
        ],
      },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { q: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '18°C' }] },
    ]);
    expect(sent.tools).toEqual([{ name: 'get_weather', description: 'Weather in a city', input_schema: WEATHER.function.parameters }]);
  });

  it('retries an overloaded (529) answer and succeeds', async () => {
    await claude('claude-busy', 'overloaded-1');
    const body = await json(await chat({ model: 'claude-busy', messages: [{ role: 'user', content: 'hi' }] }));
    expect(body.choices[0]!.message.content).toBe('system= | hi');
  });

  it('a missing key is the gateway’s configuration error, named', async () => {
    await addExpert({ id: 'claude-nokey', provider: 'anthropic', model: 'echo', endpoint_url: inject('anthropicUrl'), api_key_secret: 'EXPERT_NOT_SET_KEY' });
    const res = await chat({ model: 'claude-nokey', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(502);
    expect((await json(res)).error!.message).toMatch(/secret 'EXPERT_NOT_SET_KEY' named by the expert is not set/);
  });
});
