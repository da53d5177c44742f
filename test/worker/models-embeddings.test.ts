import { env } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import { addExpert, call, replayExpert } from './helpers';

const embedder = () =>
  addExpert({ id: 'peer-embed', provider: 'openai', model: 'embed', endpoint_url: inject('peerUrl'), task: 'embedding', input_price_per_mtok: 0.02 });

describe('GET /v1/models/{id}', () => {
  it('returns a policy, an expert with its task, capabilities and prices, and 404 for anything else', async () => {
    await replayExpert('gemini-1.5-pro-002');
    await embedder();
    expect(await (await call('/v1/models/auto')).json()).toEqual({ id: 'auto', object: 'model', created: 0, owned_by: 'conclave', kind: 'policy' });
    expect(await (await call('/v1/models/gemini-1.5-pro-002')).json()).toMatchObject({
      id: 'gemini-1.5-pro-002',
      kind: 'expert',
      task: 'chat',
      capabilities: [],
      pricing: { input_per_mtok: 1.25 },
    });
    expect(await (await call('/v1/models/peer-embed')).json()).toMatchObject({ task: 'embedding', owned_by: 'openai' });
    const missing = await call('/v1/models/nope');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('model_not_found');
    expect((await call('/v1/models/auto', { key: 'wrong' })).status).toBe(401);
  });
});

describe('POST /v1/embeddings', () => {
  it('answers from the embedding expert, floats or base64, and records the route', async () => {
    await embedder();
    const res = await call('/v1/embeddings', { method: 'POST', json: { model: 'peer-embed', input: ['abc 1', 'hello world'] } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { index: number; embedding: number[] }[]; model: string; usage: { prompt_tokens: number } };
    expect(body.model).toBe('peer-embed');
    expect(body.data).toEqual([
      { object: 'embedding', index: 0, embedding: [5, 1, 1, 1] },
      { object: 'embedding', index: 1, embedding: [11, 3, 0, 1] },
    ]);
    expect(body.usage.prompt_tokens).toBe(2 + 3);
    const route = await env.DB.prepare('select aggregation, status, cost_usd from routes where id = ?')
      .bind(res.headers.get('x-route-id'))
      .first<{ aggregation: string; status: string; cost_usd: number }>();
    expect(route).toMatchObject({ aggregation: 'embedding', status: 'ok' });
    expect(route!.cost_usd).toBeCloseTo((5 * 0.02) / 1e6, 15);

    const b64 = (await (await call('/v1/embeddings', { method: 'POST', json: { model: 'peer-embed', input: 'abc 1', encoding_format: 'base64' } })).json()) as {
      data: { embedding: string }[];
    };
    const bytes = Uint8Array.from(atob(b64.data[0]!.embedding), (ch) => ch.charCodeAt(0));
    expect([...new Float32Array(bytes.buffer)]).toEqual([5, 1, 1, 1]);
  });

  it('refuses a chat expert, a chat request to an embedding expert, and an unknown model', async () => {
    await embedder();
    await replayExpert('gemini-1.5-pro-002');
    const chatModel = await call('/v1/embeddings', { method: 'POST', json: { model: 'gemini-1.5-pro-002', input: 'x' } });
    expect(chatModel.status).toBe(400);
    expect(((await chatModel.json()) as { error: { code: string } }).error.code).toBe('not_an_embedding_model');
    const asChat = await call('/v1/chat/completions', { method: 'POST', json: { model: 'peer-embed', messages: [{ role: 'user', content: 'x' }] } });
    expect(asChat.status).toBe(400);
    expect(((await asChat.json()) as { error: { code: string } }).error.code).toBe('not_a_chat_model');
    expect((await call('/v1/embeddings', { method: 'POST', json: { model: 'nope', input: 'x' } })).status).toBe(404);
    expect((await call('/v1/embeddings', { method: 'POST', json: { model: 'peer-embed', input: [] } })).status).toBe(400);
  });
});
