// The OpenAI-compatible HTTP API over the OLMoE demo checkpoint: JSON and SSE, usage, batching equal to
// one-by-one, 429 on overload, cancellation, limits, traces, metrics, graceful shutdown, and the
// official openai and @huggingface/inference clients.
import { InferenceClient } from '@huggingface/inference';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoCheckpoint } from '../../gpu-service/src/demo/write.js';
import { loadCheckpoint } from '../../gpu-service/src/checkpoint/load.js';
import { referenceForward } from '../../gpu-service/src/reference/forward.js';
import { startServer, type RunningServer } from '../../gpu-service/src/server/listen.js';
import { loadService, type ServedModel, type ServiceLimits } from '../../gpu-service/src/service.js';

const dir = ensureDemoCheckpoint('olmoe');

async function serveWith(limits: Partial<ServiceLimits>): Promise<{ model: ServedModel; server: RunningServer }> {
  const model = loadService(dir, { id: 'olmoe-demo', limits });
  return { model, server: await startServer(model, 0) };
}

/** A response body, checked field by field by the tests. */
// biome-ignore lint/suspicious/noExplicitAny: the tests read the JSON bodies field by field
type Body = any;

async function json(res: Response | Promise<Response>): Promise<Body> {
  return (await res).json();
}

function post(url: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...(signal ? { signal } : {}) });
}

/** The `data:` payloads of an SSE body. */
async function sseData(res: Response): Promise<string[]> {
  const text = await res.text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => l.slice(6));
}

const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'olmoe-demo',
  messages: [{ role: 'user', content }],
  max_tokens: 8,
  temperature: 0,
  ...extra,
});

describe('API', () => {
  let s: { model: ServedModel; server: RunningServer };
  beforeAll(async () => {
    s = await serveWith({ maxContext: 256, maxTokensLimit: 64, maxBodyBytes: 4096 });
  });
  afterAll(() => s.server.shutdown());

  it('lists the model and reports health', async () => {
    const models = await json(fetch(`${s.server.url}/v1/models`));
    expect(models.data[0]).toMatchObject({ id: 'olmoe-demo', object: 'model', family: 'olmoe', max_model_len: 256 });
    const health = await fetch(`${s.server.url}/health`);
    expect(health.status).toBe(200);
    expect(await json(health)).toMatchObject({ status: 'ok', model: 'olmoe-demo' });
  });

  it('answers a chat completion with usage counted from the rendered template', async () => {
    const res = await post(`${s.server.url}/v1/chat/completions`, chat('Hello'));
    expect(res.status).toBe(200);
    const body = await json(res);
    const promptIds = s.model.tokenizer.encode('<s><|user|>\nHello\n<|assistant|>\n', false);
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].message.role).toBe('assistant');
    expect(body.choices[0].finish_reason).toBe('length');
    expect(body.usage).toEqual({ prompt_tokens: promptIds.length, completion_tokens: 8, total_tokens: promptIds.length + 8 });
  });

  it('generates the reference greedy token first', async () => {
    const ids = [1, 450, 4996];
    const body = await json(post(`${s.server.url}/v1/completions`, { prompt: ids, max_tokens: 1, temperature: 0 }));
    const logits = referenceForward(loadCheckpoint(dir), ids).logits;
    const best = logits.indexOf(Math.max(...Array.from(logits)));
    expect(body.choices[0].text).toBe(s.model.tokenizer.decode([best]));
  });

  it('streams the same text as the JSON answer, then usage and [DONE]', async () => {
    const answer = await json(post(`${s.server.url}/v1/chat/completions`, chat('Stream me')));
    const res = await post(`${s.server.url}/v1/chat/completions`, chat('Stream me', { stream: true, stream_options: { include_usage: true } }));
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const data = await sseData(res);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe(answer.choices[0].message.content);
    expect(chunks.at(-2).choices[0].finish_reason).toBe('length');
    expect(chunks.at(-1).usage).toEqual(answer.usage);
  });

  it('batches concurrent requests and gives each the tokens it gets alone', async () => {
    const prompts = ['one', 'two two', 'three three three', 'four', 'five five'];
    const alone: string[] = [];
    for (const p of prompts) alone.push((await json(post(`${s.server.url}/v1/completions`, { prompt: p, max_tokens: 6, temperature: 0 }))).choices[0].text);
    const before = await s.model.metrics.render();
    const together = await Promise.all(
      prompts.map(async (p) => (await json(post(`${s.server.url}/v1/completions`, { prompt: p, max_tokens: 6, temperature: 0 }))).choices[0].text),
    );
    expect(together).toEqual(alone);
    // Some forward pass carried more than one request.
    const count = (m: string) => Number(/conclave_batch_sequences_bucket\{le="1",model="olmoe-demo"\} (\d+)/.exec(m)![1]);
    const total = (m: string) => Number(/conclave_batch_sequences_count\{model="olmoe-demo"\} (\d+)/.exec(m)![1]);
    const after = await s.model.metrics.render();
    expect(total(after) - total(before)).toBeGreaterThan(count(after) - count(before));
  });

  it('samples the same seeded tokens batched as alone', async () => {
    const bodies = ['a', 'b b', 'c c c'].map((prompt, i) => ({ prompt, max_tokens: 6, temperature: 0.8, top_p: 0.9, seed: 100 + i }));
    const alone: string[] = [];
    for (const b of bodies) alone.push((await json(post(`${s.server.url}/v1/completions`, b))).choices[0].text);
    const together = await Promise.all(bodies.map(async (b) => (await json(post(`${s.server.url}/v1/completions`, b))).choices[0].text));
    expect(together).toEqual(alone);
  });

  it('samples reproducibly with a seed, and stops at a stop sequence', async () => {
    const body = { prompt: 'Seeded', max_tokens: 12, temperature: 0.9, top_p: 0.95, seed: 42 };
    const a = await json(post(`${s.server.url}/v1/completions`, body));
    const b = await json(post(`${s.server.url}/v1/completions`, body));
    expect(a.choices[0].text).toBe(b.choices[0].text);
    const full: string = a.choices[0].text;
    const stop = full.slice(3, 6);
    const cut = await json(post(`${s.server.url}/v1/completions`, { ...body, stop }));
    expect(cut.choices[0].text).toBe(full.slice(0, full.indexOf(stop)));
    expect(cut.choices[0].finish_reason).toBe('stop');
  });

  it('traces the experts of every prompt token, as the reference chooses them', async () => {
    const ids = [1, 15359, 736];
    const body = await json(post(`${s.server.url}/v1/moe/trace`, { input_ids: ids }));
    expect(body).toMatchObject({ object: 'moe.trace', num_layers: 2, num_experts: 8, top_k: 2, moe_layers: [0, 1] });
    const ref = referenceForward(loadCheckpoint(dir), ids);
    body.tokens.forEach((t: { id: number; token: string; experts: number[][]; weights: number[][] }, pos: number) => {
      expect(t.id).toBe(ids[pos]);
      t.experts.forEach((layer, l) => expect([...layer].sort()).toEqual([...ref.experts[l]![pos]!].sort()));
      expect(t.weights[0]!.length).toBe(2);
    });
    expect(body.tokens[1].token).toBe('▁Hi');
  });

  it('exports Prometheus metrics with throughput, queue, batches and expert activations', async () => {
    const res = await fetch(`${s.server.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    for (const name of [
      'conclave_generation_tokens_total',
      'conclave_generation_tokens_per_second',
      'conclave_prompt_tokens_per_second',
      'conclave_queue_depth',
      'conclave_batch_sequences_bucket',
      'conclave_batch_tokens_count',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/conclave_moe_expert_activations_total\{layer="1",expert="\d",model="olmoe-demo"\} \d+/);
    expect(text).toMatch(/conclave_requests_total\{route="\/v1\/completions",status="200",model="olmoe-demo"\} \d+/);
    // prom-client's process metrics come with it.
    expect(text).toContain('# TYPE process_resident_memory_bytes gauge');
    expect(text).toContain('# TYPE conclave_generation_tokens_total counter');
  });

  it('refuses a field it would ignore with a 400 naming it, as the gateway does', async () => {
    const refused = async (path: string, body: Record<string, unknown>) => {
      const res = await post(`${s.server.url}${path}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      return (await json(res)).error as { param: string; code: string; message: string };
    };
    const chat = { messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 };
    expect(await refused('/v1/chat/completions', { ...chat, presence_penalty: 0.5 })).toMatchObject({
      param: 'presence_penalty',
      code: 'unsupported_parameter',
      message: expect.stringContaining('not supported'),
    });
    expect((await refused('/v1/chat/completions', { ...chat, tools: [] })).param).toBe('tools');
    expect((await refused('/v1/chat/completions', { ...chat, response_format: { type: 'json_object' } })).param).toBe('response_format');
    expect((await refused('/v1/chat/completions', { ...chat, logprobs: true })).param).toBe('logprobs');
    expect((await refused('/v1/chat/completions', { messages: [{ role: 'user', content: 'hi', name: 'ann' }] })).param).toBe('messages.0.name');
    expect(
      (await refused('/v1/chat/completions', { ...chat, stream: true, stream_options: { include_usage: true, continuous_usage_stats: true } })).param,
    ).toBe('stream_options.continuous_usage_stats');
    expect((await refused('/v1/completions', { prompt: 'hi', echo: true })).param).toBe('echo');
    expect((await refused('/v1/completions', { prompt: 'hi', n: 2 })).param).toBe('n');
    // What it honours still works.
    const ok = await post(`${s.server.url}/v1/chat/completions`, {
      ...chat,
      temperature: 0,
      top_p: 0.9,
      seed: 1,
      stop: ['x'],
      model: 'anything',
      n: 1,
      max_completion_tokens: 2,
    });
    expect(ok.status).toBe(200);
  });

  it('rejects invalid bodies and requests over the limits with OpenAI error bodies', async () => {
    const bad = await post(`${s.server.url}/v1/chat/completions`, { messages: [] });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error).toMatchObject({ type: 'invalid_request_error', param: 'messages' });
    const notJson = await fetch(`${s.server.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(notJson.status).toBe(400);
    const tooMany = await post(`${s.server.url}/v1/completions`, { prompt: 'x', max_tokens: 65 });
    expect((await json(tooMany)).error).toMatchObject({ param: 'max_tokens' });
    const tooLong = await post(`${s.server.url}/v1/completions`, { prompt: Array(300).fill(450) });
    expect(tooLong.status).toBe(400);
    expect((await json(tooLong)).error.code).toBe('context_length_exceeded');
    const overContext = await post(`${s.server.url}/v1/completions`, { prompt: Array(200).fill(450), max_tokens: 60 });
    expect((await json(overContext)).error).toMatchObject({ code: 'context_length_exceeded', param: 'max_tokens' });
    const huge = await post(`${s.server.url}/v1/completions`, { prompt: 'x'.repeat(5000) });
    expect(huge.status).toBe(413);
    expect((await json(huge)).error.code).toBe('payload_too_large');
    const badId = await post(`${s.server.url}/v1/completions`, { prompt: [99999] });
    expect((await json(badId)).error.message).toMatch(/outside the vocabulary/);
    const unknown = await fetch(`${s.server.url}/v2/nothing`);
    expect(unknown.status).toBe(404);
    expect((await json(unknown)).error.code).toBe('not_found');
  });

  it('names what is wrong in a field that takes several shapes (content, stop, prompt), not just "Invalid input"', async () => {
    const refused = async (path: string, body: Record<string, unknown>) => {
      const res = await post(`${s.server.url}${path}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      return (await json(res)).error as { param: string; code: string; message: string };
    };
    const message = (content: unknown) => ({ messages: [{ role: 'user', content }], max_tokens: 2 });
    expect(await refused('/v1/chat/completions', message(5))).toMatchObject({
      param: 'messages.0.content',
      message: 'messages.0.content: expected a string or an array, got a number',
    });
    expect(await refused('/v1/chat/completions', message([{ type: 'image_url', image_url: { url: 'https://x/cat.png' } }]))).toMatchObject({
      param: 'messages.0.content.0.type',
      message: 'messages.0.content.0.type: only text parts are served ({"type": "text", "text": …}), not \'image_url\'',
    });
    expect(await refused('/v1/chat/completions', message([{ type: 'text' }]))).toMatchObject({
      param: 'messages.0.content.0.text',
      message: expect.stringContaining('expected string, received undefined'),
    });
    expect(await refused('/v1/chat/completions', message([{ type: 'text', text: 'hi', cache_control: {} }]))).toMatchObject({
      param: 'messages.0.content.0.cache_control',
      code: 'unsupported_parameter',
    });
    expect(await refused('/v1/chat/completions', { ...message('hi'), stop: ['a', 'b', 'c', 'd', 'e'] })).toMatchObject({
      param: 'stop',
      message: 'stop: Too big: expected array to have <=4 items',
    });
    expect(await refused('/v1/completions', { prompt: 5 })).toMatchObject({ param: 'prompt', message: 'prompt: expected a string or an array, got a number' });
    expect(await refused('/v1/completions', { prompt: ['a', 'b'] })).toMatchObject({
      param: 'prompt',
      message: 'prompt: one prompt per request: an array of strings must hold exactly one',
    });
    expect(await refused('/v1/completions', { prompt: [1.5] })).toMatchObject({
      param: 'prompt.0',
      message: 'prompt.0: expected a string or an integer, got a number',
    });
  });

  it('refuses a message without content but an assistant turn, as the gateway does, instead of serving an empty turn', async () => {
    const user = await post(`${s.server.url}/v1/chat/completions`, { messages: [{ role: 'user', content: null }], max_tokens: 2 });
    expect(user.status).toBe(400);
    expect((await json(user)).error).toMatchObject({
      param: 'messages.0.content',
      message: "messages.0.content: a user message needs content (null is an assistant turn's only)",
    });
    const system = await post(`${s.server.url}/v1/moe/trace`, { messages: [{ role: 'system' }, { role: 'user', content: 'hi' }] });
    expect(system.status).toBe(400);
    expect((await json(system)).error.param).toBe('messages.0.content');
    const assistant = await post(`${s.server.url}/v1/chat/completions`, {
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null },
        { role: 'user', content: 'and?' },
      ],
      max_tokens: 2,
    });
    expect(assistant.status).toBe(200);
  });

  it('cancels a generation when the client disconnects', async () => {
    const generated = async () => Number(/conclave_generation_tokens_total\{[^}]*\} (\d+)/.exec(await s.model.metrics.render())![1]);
    const before = await generated();
    const controller = new AbortController();
    const res = await post(`${s.server.url}/v1/completions`, { prompt: 'long', max_tokens: 64, temperature: 0, stream: true }, controller.signal);
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    const deadline = Date.now() + 5000;
    while (s.model.scheduler.activeCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(s.model.scheduler.activeCount).toBe(0);
    expect((await generated()) - before).toBeLessThan(64);
  });

  it('cancels a non-streaming generation when the client disconnects', async () => {
    const generated = async () => Number(/conclave_generation_tokens_total\{[^}]*\} (\d+)/.exec(await s.model.metrics.render())![1]);
    const before = await generated();
    const controller = new AbortController();
    const res = post(`${s.server.url}/v1/completions`, { prompt: 'long', max_tokens: 64, temperature: 0 }, controller.signal).catch((e: Error) => e.name);
    while (s.model.scheduler.activeCount === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    expect(await res).toBe('AbortError');
    const deadline = Date.now() + 5000;
    while (s.model.scheduler.activeCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(s.model.scheduler.activeCount).toBe(0);
    expect((await generated()) - before).toBeLessThan(64);
  });

  it('fails only the requests of a crashing forward pass and keeps serving', async () => {
    const runner = s.model.runner;
    const forward = runner.forward.bind(runner);
    runner.forward = () => Promise.reject(new Error('kernel exploded'));
    try {
      const res = await post(`${s.server.url}/v1/completions`, { prompt: 'boom', max_tokens: 2 });
      expect(res.status).toBe(500);
      expect((await json(res)).error).toMatchObject({ type: 'server_error', message: expect.stringMatching(/kernel exploded/) });
    } finally {
      runner.forward = forward;
    }
    expect((await post(`${s.server.url}/v1/completions`, { prompt: 'fine', max_tokens: 2 })).status).toBe(200);
  });

  it('fails the requests of a step whose bookkeeping throws, not the loop or the process', async () => {
    const metrics = s.model.metrics;
    const onStep = metrics.onStep.bind(metrics);
    metrics.onStep = () => {
      throw new Error('metrics broke');
    };
    try {
      const res = await post(`${s.server.url}/v1/completions`, { prompt: 'boom', max_tokens: 2 });
      expect(res.status).toBe(500);
      expect((await json(res)).error.message).toMatch(/metrics broke/);
    } finally {
      metrics.onStep = onStep;
    }
    expect((await post(`${s.server.url}/v1/completions`, { prompt: 'fine', max_tokens: 2 })).status).toBe(200);
  });

  it('refuses an empty prompt at the scheduler, whatever route built it', () => {
    expect(() => s.model.scheduler.submit({ promptIds: [], maxTokens: 0, sampling: { temperature: 0, topP: 1, seed: 0 }, stop: [] })).toThrow(
      /prompt is empty/,
    );
  });

  it('serves the official openai client, streaming and not', async () => {
    const client = new OpenAI({ baseURL: `${s.server.url}/v1`, apiKey: 'unused' });
    const r = await client.chat.completions.create({ model: 'olmoe-demo', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4, temperature: 0 });
    expect(r.usage?.completion_tokens).toBe(4);
    const stream = await client.chat.completions.create({
      model: 'olmoe-demo',
      messages: [{ role: 'user', content: 'Hi' }],
      max_tokens: 4,
      temperature: 0,
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe(r.choices[0]!.message.content);
  });

  it('serves @huggingface/inference through its endpointUrl, as the Worker calls it', async () => {
    const client = new InferenceClient();
    const r = await client.chatCompletion({ endpointUrl: s.server.url, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4, temperature: 0 });
    expect(r.choices[0]!.message.content).toBeTypeOf('string');
    expect(r.usage.completion_tokens).toBe(4);
  });
});

describe('overload and shutdown', () => {
  it('answers 429 when the queue is full, and serves the rest', async () => {
    const { server } = await serveWith({ maxBatchSequences: 1, maxQueue: 1 });
    try {
      const results = await Promise.all(
        Array.from({ length: 6 }, () => post(`${server.url}/v1/completions`, { prompt: 'busy', max_tokens: 16, temperature: 0 })),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses).toContain(429);
      expect(statuses).toContain(200);
      const rejected = results[statuses.indexOf(429)]!;
      expect((await json(rejected)).error).toMatchObject({ type: 'rate_limit_error', code: 'queue_full' });
    } finally {
      await server.shutdown();
    }
  });

  it('finishes in-flight streams on shutdown and refuses new work meanwhile', async () => {
    const { model, server } = await serveWith({});
    const res = await post(`${server.url}/v1/completions`, { prompt: 'drain', max_tokens: 24, temperature: 0, stream: true });
    const data = sseData(res);
    while (model.scheduler.activeCount === 0) await new Promise((r) => setTimeout(r, 5));
    const closed = server.shutdown();
    expect(model.scheduler.isDraining).toBe(true);
    expect(() => model.scheduler.submit({ promptIds: [1], maxTokens: 1, sampling: { temperature: 0, topP: 1, seed: 0 }, stop: [] })).toThrow(/shutting down/);
    const events = await data;
    await closed;
    expect(events.at(-1)).toBe('[DONE]');
    expect(JSON.parse(events.at(-2)!).choices[0].finish_reason).toBe('length');
  });
});
