import { Hono } from 'hono';
import { callCostUsd, tokensOf } from '../../router/cost';
import { ConclaveError, InvalidRequestError, NotFoundError } from '../../router/errors';
import { createDb } from '../db/client';
import { cacheTtlMs, type AppEnv } from '../env';
import { gatewayAdapters } from '../gateway/adapters';
import { RecordingCaller } from '../gateway/caller';
import { embeddingsRequestSchema } from '../gateway/openai-schema';
import { loadRegistry } from '../gateway/registry';
import { totalCost, totalUsage } from '../gateway/routing-summary';
import { newRouteId } from '../history/route-id';
import { enqueueRouteRecord } from '../history/batcher';
import { requireApiKey } from '../http/auth';
import { readJson } from '../http/validation';
import { KeyAdmission } from '../limits/admission';
import { applyKeyScope } from '../limits/enforce';
import { rateLimitHeaders } from '../limits/headers';

export const embeddingRoutes = new Hono<AppEnv>();

/**
 * OpenAI embeddings from an expert registered as an embedding model (vectors from different models
 * are not comparable, so `model` names the expert; nothing is routed between them). Recorded in
 * the history like a chat route, with the same key limits.
 */
embeddingRoutes.post('/v1/embeddings', requireApiKey, async (c) => {
  const t0 = performance.now();
  const createdAt = Date.now();
  const routeId = newRouteId(createdAt);
  const body = await readJson(c, embeddingsRequestSchema);
  const input = typeof body.input === 'string' ? [body.input] : body.input;
  const db = createDb(c.env.DB);
  const registry = await loadRegistry(db, cacheTtlMs(c.env), (p) => c.executionCtx.waitUntil(p));
  const expert = registry.experts.find((e) => e.id === body.model && e.enabled);
  if (!expert) throw new NotFoundError('model', body.model, `model '${body.model}' is not an enabled expert; embedding experts are listed by GET /v1/models with task 'embedding'`, 'model_not_found');
  if (expert.task !== 'embedding') throw new InvalidRequestError(`expert '${expert.id}' is a chat model: register an expert with task 'embedding' for /v1/embeddings`, 'not_an_embedding_model', 'model');
  const key = c.get('apiKey');
  if (key) applyKeyScope(key, body.model, { name: body.model, strategy: 'fixed', experts: [body.model], aggregate: 'first' });
  const admission = new KeyAdmission(c.env, key);
  await admission.admit(callCostUsd(expert, { promptTokens: input.reduce((n, t) => n + tokensOf(t), 0), completionTokens: 0 }));
  if (admission.rate) for (const [name, value] of Object.entries(rateLimitHeaders(admission.rate))) c.header(name, value);
  const caller = new RecordingCaller(registry.experts, gatewayAdapters(c.env));
  c.header('x-route-id', routeId);
  let error: ConclaveError | null = null;
  try {
    const answer = await caller.embed(expert.id, input, { signal: c.req.raw.signal, ...(body.dimensions ? { dimensions: body.dimensions } : {}) });
    const data = answer.vectors.map((v, index) => ({ object: 'embedding', index, embedding: body.encoding_format === 'base64' ? base64Floats(v) : v }));
    return c.json({ object: 'list', data, model: expert.id, usage: { prompt_tokens: answer.usage.promptTokens, total_tokens: answer.usage.promptTokens } });
  } catch (e) {
    error = e instanceof ConclaveError ? e : new ConclaveError(String(e), 500, 'gateway', 'server_error', 'internal_error');
    throw error;
  } finally {
    const settled = admission.settle(totalCost(caller.records));
    if (settled) c.executionCtx.waitUntil(settled);
    enqueueRouteRecord(
      c.env.DB,
      {
        id: routeId,
        createdAt,
        apiKeyId: c.get('apiKeyId'),
        model: body.model,
        policy: body.model,
        strategy: 'fixed',
        aggregation: 'embedding',
        policyJson: {},
        prompt: input.join('\n'),
        messages: [],
        response: null,
        stream: false,
        status: error ? 'error' : 'ok',
        httpStatus: error ? error.status : 200,
        error: error ? { code: error.code, message: error.message, source: error.source } : null,
        latencyMs: performance.now() - t0,
        ttftMs: null,
        usage: totalUsage(caller.records),
        costUsd: totalCost(caller.records),
        decision: null,
        aggregationDetail: null,
        calls: [...caller.records],
      },
      (p) => c.executionCtx.waitUntil(p),
    );
  }
});

/** The vector as little-endian float32 bytes in base64: what OpenAI's clients ask for by default. */
function base64Floats(v: number[]): string {
  const bytes = new Uint8Array(new Float32Array(v).buffer);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
