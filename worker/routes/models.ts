import { Hono } from 'hono';
import { createDb } from '../db/client';
import { cacheTtlMs, type AppEnv } from '../env';
import { BUILTIN_POLICIES } from '../gateway/policies';
import { loadRegistry } from '../gateway/registry';
import { requireApiKey } from '../http/auth';

export const modelRoutes = new Hono<AppEnv>();

/** OpenAI model list: routing policies (kind `policy`) and enabled experts (kind `expert`). */
modelRoutes.get('/v1/models', requireApiKey, async (c) => {
  const db = createDb(c.env.DB);
  const { experts, policies } = await loadRegistry(db, cacheTtlMs(c.env));
  const policyNames = [...new Set([...Object.keys(BUILTIN_POLICIES), ...policies.keys()])].sort();
  const data = [
    ...policyNames.map((id) => ({ id, object: 'model', created: 0, owned_by: 'conclave', kind: 'policy' })),
    ...experts
      .filter((e) => e.enabled)
      .map((e) => ({
        id: e.id,
        object: 'model',
        created: 0,
        owned_by: e.provider,
        kind: 'expert',
        pricing: { input_per_mtok: e.inputPricePerMTok, output_per_mtok: e.outputPricePerMTok },
      })),
  ];
  return c.json({ object: 'list', data });
});
