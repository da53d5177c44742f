import { Hono } from 'hono';
import { callCostUsd, tokensOf } from '../../router/cost';
import { InvalidRequestError, NotFoundError } from '../../router/errors';
import { createDb } from '../db/client';
import { cacheTtlMs, type AppEnv } from '../env';
import { gatewayCaller } from '../gateway/adapters';
import { embeddingsRequestSchema } from '../gateway/openai-schema';
import { loadRegistry } from '../gateway/registry';
import { requireApiKey } from '../http/auth';
import { recordRoute } from '../http/route-recorder';
import { readJson } from '../http/validation';
import { KeyAdmission } from '../limits/admission';
import { applyKeyScope, expertsInScope } from '../limits/enforce';
import { rateLimitHeaders } from '../limits/headers';

export const embeddingRoutes = new Hono<AppEnv>();

/**
 * OpenAI embeddings from an expert registered as an embedding model (vectors from different models
 * are not comparable, so `model` names the expert; nothing is routed between them). Recorded in
 * the history like a chat route, with the same key limits.
 */
embeddingRoutes.post('/v1/embeddings', requireApiKey, recordRoute, async (c) => {
  const route = c.get('route');
  const body = await readJson(c, embeddingsRequestSchema);
  const input = typeof body.input === 'string' ? [body.input] : body.input;
  route.request = { model: body.model, stream: false, prompt: input.join('\n'), messages: [] };
  route.aggregation = 'embedding';
  const registry = await loadRegistry(createDb(c.env.DB), cacheTtlMs(c.env), (p) => c.executionCtx.waitUntil(p));
  const expert = registry.experts.find((e) => e.id === body.model && e.enabled);
  if (!expert)
    throw new NotFoundError(
      'model',
      body.model,
      `model '${body.model}' is not an enabled expert; embedding experts are listed by GET /v1/models with task 'embedding'`,
      'model_not_found',
    );
  if (expert.task !== 'embedding')
    throw new InvalidRequestError(
      `expert '${expert.id}' is a chat model: register an expert with task 'embedding' for /v1/embeddings`,
      'not_an_embedding_model',
      'model',
    );
  const key = c.get('apiKey');
  const policy = { name: body.model, strategy: 'fixed' as const, experts: [body.model], aggregate: 'first' as const };
  route.policy = key ? applyKeyScope(key, body.model, policy) : policy;
  const admission = (route.admission = new KeyAdmission(c.env, key));
  await admission.admit(callCostUsd(expert, { promptTokens: input.reduce((n, t) => n + tokensOf(t), 0), completionTokens: 0 }));
  if (admission.rate) for (const [name, value] of Object.entries(rateLimitHeaders(admission.rate))) c.header(name, value);
  const caller = (route.caller = gatewayCaller(c.env, expertsInScope(key, registry.experts)));
  const answer = await caller.embed(expert.id, input, { signal: c.req.raw.signal, ...(body.dimensions ? { dimensions: body.dimensions } : {}) });
  route.finish(null, null, null);
  const data = answer.vectors.map((v, index) => ({ object: 'embedding', index, embedding: body.encoding_format === 'base64' ? base64Floats(v) : v }));
  return c.json({ object: 'list', data, model: expert.id, usage: { prompt_tokens: answer.usage.promptTokens, total_tokens: answer.usage.promptTokens } });
});

/** The vector as little-endian float32 bytes in base64: what OpenAI's clients ask for by default. */
function base64Floats(v: number[]): string {
  const bytes = new Uint8Array(new Float32Array(v).buffer);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
