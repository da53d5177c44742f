import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, call, chat, replayExpert } from './helpers';

// Hostile or careless input found by probing a running gateway: each is the client's clear 4xx
// naming what is wrong, never a 5xx, never a call the client did not mean.

async function errorOf(res: Response): Promise<{ message: string; code: string; param: string | null }> {
  return ((await res.json()) as { error: { message: string; code: string; param: string | null } }).error;
}

/** A chat request whose body is sent in chunks, as a streaming client would: no Content-Length to trust. */
function postChunked(text: string): Promise<Response> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, (at += 64 * 1024)));
    },
  });
  return call('/v1/chat/completions', { method: 'POST', body, headers: { 'content-type': 'application/json' }, duplex: 'half' } as RequestInit);
}

describe('request input errors', () => {
  beforeEach(async () => {
    await replayExpert('gemini-1.5-pro-002');
  });

  it('the 1 MB body limit counts bytes, not UTF-16 units', async () => {
    // 600,000 'é' are 600,000 UTF-16 units but 1.2 MB of UTF-8.
    const body = JSON.stringify({ model: 'gemini-1.5-pro-002', messages: [{ role: 'user', content: 'é'.repeat(600_000) }] });
    const res = await postChunked(body);
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('body_too_large');
    // Just under the limit in bytes still reads.
    const fits = JSON.stringify({ model: 'gemini-1.5-pro-002', messages: [{ role: 'user', content: 'é'.repeat(400_000) }] });
    const ok = await postChunked(fits);
    expect(ok.status).not.toBe(413);
  });

  it('a fixed expert list naming one expert twice is refused, not called twice', async () => {
    const res = await chat({ model: 'auto', routing: { strategy: 'fixed', experts: ['gemini-1.5-pro-002', 'gemini-1.5-pro-002'] } });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.param).toBe('routing.experts');
    expect(error.message).toContain("expert 'gemini-1.5-pro-002' is listed more than once");
    const calls = await env.DB.prepare('select count(*) as n from route_calls').first<{ n: number }>();
    expect(calls!.n).toBe(0);
  });

  it('prototype names are not built-in policies', async () => {
    for (const model of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const res = await chat({ model });
      expect(res.status, model).toBe(404);
      expect((await errorOf(res)).code).toBe('model_not_found');
      const admin = await call(`/admin/api/policies/${model}`, { admin: true });
      expect(admin.status, model).toBe(404);
    }
    // Each refused request is still recorded under the name it sent.
    const recorded = await env.DB.prepare(
      "select model, http_status from routes where model in ('__proto__', 'constructor', 'toString', 'hasOwnProperty') order by model",
    ).all();
    expect(recorded.results).toEqual(['__proto__', 'constructor', 'hasOwnProperty', 'toString'].map((model) => ({ model, http_status: 404 })));
    const listed = (await (await call('/admin/api/policies', { admin: true })).json()) as { data: { name: string }[] };
    expect(listed.data.map((p) => p.name)).toEqual(['auto', 'balanced', 'economy', 'quality']);
  });

  it('PATCH of a key with an empty object changes nothing and answers the key', async () => {
    const created = (await (await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'k', rpm_limit: 5 } })).json()) as { id: string };
    const res = await call(`/admin/api/keys/${created.id}`, { method: 'PATCH', admin: true, json: {} });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: created.id, name: 'k', rpm_limit: 5 });
    expect((await call('/admin/api/keys/nope', { method: 'PATCH', admin: true, json: {} })).status).toBe(404);
  });

  it('CR/LF in the sign-in next parameter falls back to the dashboard instead of breaking the redirect', async () => {
    const body = new URLSearchParams({ token: ADMIN, next: '/admin?x\r\nset-cookie: a=b' });
    const res = await call('/admin/login', { method: 'POST', key: null, body, headers: { origin: 'http://gateway.test' } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin');
  });

  it('an empty user message is the client’s 400, not an expert’s 502', async () => {
    for (const content of ['', '   \n']) {
      const res = await call('/v1/chat/completions', { method: 'POST', json: { model: 'gemini-1.5-pro-002', messages: [{ role: 'user', content }] } });
      expect(res.status).toBe(400);
      expect(await errorOf(res)).toMatchObject({ code: 'empty_user_message', param: 'messages' });
    }
  });

  it('stream_options without stream is refused naming it, as OpenAI refuses it', async () => {
    for (const stream of [undefined, false]) {
      const res = await chat({ model: 'gemini-1.5-pro-002', stream, stream_options: { include_usage: true } });
      expect(res.status).toBe(400);
      expect(await errorOf(res)).toMatchObject({ code: 'invalid_field', param: 'stream_options' });
    }
    // With stream: true, and null without it, it is fine.
    expect((await chat({ model: 'gemini-1.5-pro-002', stream_options: null })).status).toBe(200);
  });

  it('a missing field is called missing, with the unknown field sent in its place named too', async () => {
    const v1 = (path: string, json: unknown) => call(path, { method: 'POST', json });
    const admin = (path: string, json: unknown) => call(path, { method: 'POST', json, admin: true });
    const cases: [Promise<Response>, string, string][] = [
      [
        v1('/v1/chat/completions', { modle: 'auto', messages: [{ role: 'user', content: 'hi' }] }),
        'model',
        "body.model: missing; unknown field(s) 'modle' sent",
      ],
      [v1('/v1/chat/completions', { model: 'auto', messages: [{ role: 'user', text: 'hi' }] }), 'messages.0.content', "missing; unknown field(s) 'text' sent"],
      [v1('/v1/feedback', { route_id: 'rt_x', rating: 1 }), 'score', "feedback.score: missing; unknown field(s) 'rating' sent"],
      [v1('/v1/embeddings', { model: 'e', inputs: 'hi' }), 'input', "body.input: missing; unknown field(s) 'inputs' sent"],
      [
        admin('/admin/api/policies', { name: 'p', routing: { strategy: 'all', aggregate: 'first' } }),
        'config',
        "policy.config: missing; unknown field(s) 'routing' sent",
      ],
      [admin('/admin/api/policies', { name: 'p', config: { strategy: 'all' } }), 'config.aggregate', 'policy.config.aggregate: missing'],
      [admin('/admin/api/keys', {}), 'name', 'key.name: missing'],
    ];
    for (const [res, param, message] of cases) {
      const error = await errorOf(await res);
      expect(error.param).toBe(param);
      expect(error.message).toContain(message);
    }
    // A value of the wrong type says which types would do, a union's too.
    const wrong = await errorOf(await v1('/v1/chat/completions', { model: 'auto', messages: [{ role: 'user', content: 5 }] }));
    expect(wrong).toMatchObject({ param: 'messages.0.content', message: 'body.messages.0.content: Invalid input: expected string or array' });
  });
});
