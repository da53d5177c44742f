// The GPU service behind an API key, and prompts bounded before they are tokenised: a key is
// required on every route but GET /health (compared in constant time), and a 900 KB prompt is
// refused at once by its size while a normal request is served.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoCheckpoint } from '../../gpu-service/src/demo/write.js';
import { startServer, type RunningServer } from '../../gpu-service/src/server/listen.js';
import { loadService, type ServedModel } from '../../gpu-service/src/service.js';

const KEY = `gpu-test-key-${Math.random().toString(36).slice(2)}`;
let model: ServedModel;
let server: RunningServer;

beforeAll(async () => {
  // A body limit above the prompt's, so the prompt bound is what refuses a 900 KB prompt.
  model = loadService(ensureDemoCheckpoint('olmoe'), { id: 'olmoe-demo', limits: { maxContext: 256, maxBodyBytes: 2 * 1024 * 1024 } });
  server = await startServer(model, 0, '127.0.0.1', { apiKey: KEY });
});
afterAll(() => server.shutdown());

const chat = (content: string, key: string | null = KEY) =>
  fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
    body: JSON.stringify({ messages: [{ role: 'user', content }], max_tokens: 4, temperature: 0 }),
  });

describe('API key', () => {
  it('is required on the API, the models list and the metrics', async () => {
    const none = await chat('hi', null);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    expect((await chat('hi', `${KEY}x`)).status).toBe(401);
    expect((await chat('hi', 'k')).status).toBe(401);
    for (const path of ['/v1/models', '/metrics']) expect((await fetch(`${server.url}${path}`)).status, path).toBe(401);
    expect((await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(200);
    const ok = await chat('hi');
    expect(ok.status).toBe(200);
  });

  it('is not needed for GET /health, which says nothing secret', async () => {
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(KEY);
    expect(Object.keys(JSON.parse(text) as object).sort()).toEqual(['active', 'device', 'model', 'queue_depth', 'status']);
  });
});

describe('prompt bound', () => {
  it('refuses a 900 KB prompt by its size, naming the limit, while a normal request is served', async () => {
    const huge = 'lorem ipsum dolor sit amet '.repeat(Math.ceil(900_000 / 27));
    const [refused, normal] = await Promise.all([chat(huge), chat('Hello there')]);
    expect(normal.status).toBe(200);
    expect(refused.status).toBe(413);
    const err = ((await refused.json()) as { error: { code: string; message: string; param: string } }).error;
    expect(err.code).toBe('prompt_too_large');
    expect(err.param).toBe('messages');
    expect(err.message).toContain(`at most ${model.limits.maxPromptBytes} bytes`);
    // The knob that sets it, as the operator passes it (there is no field max_prompt_bytes).
    expect(err.message).toContain('(set by --max-prompt-bytes)');
    expect(model.limits.maxPromptBytes).toBe(256 * 16);
  });

  it('bounds completions and traces too; a prompt under the bytes but over the tokens is the context error', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        body: JSON.stringify(body),
      });
    const long = 'x'.repeat(model.limits.maxPromptBytes + 1);
    for (const path of ['/v1/completions', '/v1/moe/trace']) {
      const res = await post(path, { prompt: long, ...(path === '/v1/completions' ? { max_tokens: 1 } : {}) });
      expect(res.status, path).toBe(413);
    }
    // Fits the bytes, not the 256-token context.
    const res = await post('/v1/completions', { prompt: 'word '.repeat(600), max_tokens: 1 });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('context_length_exceeded');
  });
});

describe('serve command line', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'gpu-service/scripts/serve.ts', ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, CONCLAVE_GPU_API_KEY: '' },
    });

  it('refuses to listen beyond loopback without a key', () => {
    const r = run('--host', '0.0.0.0', '--demo', 'olmoe');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('refusing to listen on 0.0.0.0 without an API key');
  });

  it('documents the key and the prompt bound', () => {
    const r = run('--help');
    for (const flag of ['--api-key KEY', 'CONCLAVE_GPU_API_KEY', '--max-prompt-bytes N']) expect(r.stdout).toContain(flag);
  });
});
