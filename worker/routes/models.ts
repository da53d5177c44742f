import { Hono } from 'hono';
import { NotFoundError } from '../../router/errors';
import type { ExpertProfile } from '../../router/types';
import { createDb } from '../db/client';
import { cacheTtlMs, type AppEnv } from '../env';
import { BUILTIN_POLICIES } from '../gateway/policies';
import { loadRegistry, type Registry } from '../gateway/registry';
import { requireApiKey } from '../http/auth';

export const modelRoutes = new Hono<AppEnv>();

const policyJson = (id: string) => ({ id, object: 'model', created: 0, owned_by: 'conclave', kind: 'policy' });

function expertJson(e: ExpertProfile) {
  return {
    id: e.id,
    object: 'model',
    created: 0,
    owned_by: e.provider,
    kind: 'expert',
    task: e.task ?? 'chat',
    capabilities: e.capabilities ?? [],
    pricing: { input_per_mtok: e.inputPricePerMTok, output_per_mtok: e.outputPricePerMTok },
  };
}

function policyNames(registry: Registry): string[] {
  return [...new Set([...BUILTIN_POLICIES.keys(), ...registry.policies.keys()])].sort();
}

/** OpenAI model list: routing policies (kind `policy`) and enabled experts (kind `expert`). */
modelRoutes.get('/v1/models', requireApiKey, async (c) => {
  const registry = await loadRegistry(createDb(c.env.DB), cacheTtlMs(c.env), (p) => c.executionCtx.waitUntil(p));
  const data = [...policyNames(registry).map(policyJson), ...registry.experts.filter((e) => e.enabled).map(expertJson)];
  return c.json({ object: 'list', data });
});

/** One model: a policy (a saved one shadows a built-in of its name) or an enabled expert. */
modelRoutes.get('/v1/models/:id{.+}', requireApiKey, async (c) => {
  const id = c.req.param('id');
  const registry = await loadRegistry(createDb(c.env.DB), cacheTtlMs(c.env), (p) => c.executionCtx.waitUntil(p));
  if (policyNames(registry).includes(id)) return c.json(policyJson(id));
  const expert = registry.experts.find((e) => e.id === id && e.enabled);
  if (!expert)
    throw new NotFoundError('model', id, `model '${id}' is neither a routing policy nor an enabled expert; GET /v1/models lists both`, 'model_not_found');
  return c.json(expertJson(expert));
});
