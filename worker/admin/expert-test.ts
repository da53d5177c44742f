import { Hono } from 'hono';
import { z } from 'zod';
import { NotFoundError } from '../../router/errors';
import { createDb } from '../db/client';
import { cacheTtlMs, type AppEnv } from '../env';
import { gatewayCaller } from '../gateway/adapters';
import { MAX_MESSAGE_CHARS } from '../gateway/openai-schema';
import { loadRegistry } from '../gateway/registry';
import { readJson } from '../http/validation';

export const expertTestSchema = z
  .object({
    prompt: z.string().min(1, 'enter a prompt').max(MAX_MESSAGE_CHARS),
    max_tokens: z.number().int().min(1).max(4096).optional(),
  })
  .strict();

export const adminExpertTest = new Hono<AppEnv>();

/**
 * One prompt to one expert, through the same caller (timeouts, retries, breaker) a route uses, and
 * nothing written to the routing history. A disabled expert is tested too: checking an expert
 * before enabling it is the point.
 */
adminExpertTest.post('/:id/test', async (c) => {
  const input = await readJson(c, expertTestSchema, 'test');
  const id = c.req.param('id');
  const registry = await loadRegistry(createDb(c.env.DB), cacheTtlMs(c.env));
  const expert = registry.experts.find((e) => e.id === id);
  if (!expert) throw new NotFoundError('expert', id);
  const caller = gatewayCaller(c.env, [{ ...expert, enabled: true }]);
  const answer = await caller.complete(id, [{ role: 'user', content: input.prompt }], {
    role: 'expert',
    stage: 0,
    signal: c.req.raw.signal,
    ...(input.max_tokens !== undefined ? { maxTokens: input.max_tokens } : {}),
  });
  return c.json({
    expert: id,
    text: answer.text,
    latency_ms: answer.latencyMs,
    usage: { prompt_tokens: answer.usage.promptTokens, completion_tokens: answer.usage.completionTokens },
    cost_usd: answer.costUsd,
    attempts: caller.records[0]?.attempts ?? 1,
  });
});
