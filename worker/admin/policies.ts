import { Hono } from 'hono';
import { z } from 'zod';
import { ConclaveError, NotFoundError } from '../../router/errors';
import { createDb } from '../db/client';
import { deletePolicy, getPolicyRow, listPolicyRows, upsertPolicy, type PolicyRow } from '../db/policies';
import type { AppEnv } from '../env';
import { BUILTIN_POLICIES, savedPolicyConfigSchema } from '../gateway/policies';
import { invalidateRegistry } from '../gateway/registry';
import { readJson } from '../http/validation';
import { assertPolicyNameFree } from './names';
import type { RoutingPolicy } from '../../router/policy';

const POLICY_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

const policyBody = z.object({ description: z.string().max(2_000).default(''), config: savedPolicyConfigSchema }).strict();
const policyCreate = policyBody.extend({ name: z.string().regex(POLICY_NAME, 'lower-case letters, digits and . _ - only, at most 64') }).strict();

/** A built-in policy as the API shows it: its config is exactly what a saved policy would store. */
function builtinJson(policy: RoutingPolicy) {
  const { name, ...config } = policy;
  return { name, description: 'built-in', config, builtin: true, updated_at: null };
}

function policyJson(row: PolicyRow) {
  return { name: row.name, description: row.description, config: row.config, builtin: false, updated_at: new Date(row.updatedAt).toISOString() };
}

export const adminPolicies = new Hono<AppEnv>();

adminPolicies.get('/', async (c) => {
  const saved = (await listPolicyRows(createDb(c.env.DB))).map(policyJson);
  const builtins = [...BUILTIN_POLICIES].filter(([name]) => !saved.some((p) => p.name === name)).map(([, p]) => builtinJson(p));
  return c.json({ data: [...builtins, ...saved].sort((a, b) => a.name.localeCompare(b.name)) });
});

adminPolicies.get('/:name', async (c) => {
  const row = await getPolicyRow(createDb(c.env.DB), c.req.param('name'));
  if (row) return c.json(policyJson(row));
  const builtin = BUILTIN_POLICIES.get(c.req.param('name'));
  if (!builtin) throw new NotFoundError('policy', c.req.param('name'));
  return c.json(builtinJson(builtin));
});

adminPolicies.post('/', async (c) => {
  const input = await readJson(c, policyCreate, 'policy');
  const db = createDb(c.env.DB);
  if (await getPolicyRow(db, input.name))
    throw new ConclaveError(`policy '${input.name}' already exists`, 409, 'client', 'invalid_request_error', 'conflict', 'name');
  await assertPolicyNameFree(db, input.name);
  const row = await upsertPolicy(db, input.name, input.description, input.config);
  invalidateRegistry();
  return c.json(policyJson(row), 201);
});

adminPolicies.put('/:name', async (c) => {
  const name = c.req.param('name');
  if (!POLICY_NAME.test(name)) throw new ConclaveError(`policy name '${name}' is invalid`, 400, 'client', 'invalid_request_error', 'invalid_field', 'name');
  const input = await readJson(c, policyBody, 'policy');
  const db = createDb(c.env.DB);
  await assertPolicyNameFree(db, name);
  const row = await upsertPolicy(db, name, input.description, input.config);
  invalidateRegistry();
  return c.json(policyJson(row));
});

adminPolicies.delete('/:name', async (c) => {
  const name = c.req.param('name');
  if (!(await deletePolicy(createDb(c.env.DB), name))) {
    // GET shows a built-in, so "not found" would be false: say what can be done instead.
    if (BUILTIN_POLICIES.has(name))
      throw new ConclaveError(
        `built-in policy '${name}' cannot be deleted: a policy saved under its name (PUT) replaces it, and deleting that brings the built-in back`,
        409,
        'client',
        'invalid_request_error',
        'conflict',
        'name',
      );
    throw new NotFoundError('policy', name);
  }
  invalidateRegistry();
  return c.body(null, 204);
});
