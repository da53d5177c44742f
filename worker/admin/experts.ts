import { Hono } from 'hono';
import { z } from 'zod';
import { PROVIDER_KINDS, providerSpec } from '../../experts';
import { CAPABILITIES } from '../../router/capabilities';
import { NotFoundError, ConclaveError, InvalidRequestError } from '../../router/errors';
import { createDb } from '../db/client';
import { deleteExpert, getExpertRow, insertExpert, listExpertRows, updateExpert, type ExpertRow } from '../db/experts';
import type { AppEnv, Env } from '../env';
import { endpointReachProblem } from '../gateway/endpoint-resolver';
import { invalidateRegistry } from '../gateway/registry';
import { readJson } from '../http/validation';
import { assertExpertIdFree } from './names';

export const EXPERT_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

const fields = {
  provider: z.enum(PROVIDER_KINDS),
  model: z.string().min(1).max(256),
  endpoint_url: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .nullable(),
  /** Replicas of endpoint_url: more servers of the same model, balanced by the gateway. */
  replica_urls: z.array(z.url({ protocol: /^https?$/ }).max(2048)).max(32),
  api_key_secret: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be an upper-case secret name like EXPERT_MY_ENDPOINT_KEY')
    .nullable(),
  input_price_per_mtok: z.number().min(0).max(10_000),
  output_price_per_mtok: z.number().min(0).max(10_000),
  skills: z.array(z.string().min(1).max(64)).max(256),
  tags: z.array(z.string().min(1).max(64)).max(64),
  enabled: z.boolean(),
  capabilities: z.array(z.enum(CAPABILITIES)).max(CAPABILITIES.length),
  task: z.enum(['chat', 'embedding']),
  description: z.string().max(2_000),
  /** Only called where a request or policy names it (fixed's experts, allow, aggregator, fallback, or as `model`). */
  demo: z.boolean(),
};

export const expertCreateSchema = z
  .object({ id: z.string().regex(EXPERT_ID, 'letters, digits and . _ : / - only, at most 128'), ...fields })
  .partial({
    endpoint_url: true,
    replica_urls: true,
    api_key_secret: true,
    skills: true,
    tags: true,
    enabled: true,
    capabilities: true,
    task: true,
    description: true,
    demo: true,
    input_price_per_mtok: true,
    output_price_per_mtok: true,
  })
  .strict();

export const expertPatchSchema = z.object(fields).partial().strict();

type ExpertPatch = z.infer<typeof expertPatchSchema>;

export function expertJson(row: ExpertRow) {
  return {
    id: row.id,
    provider: row.provider,
    model: row.model,
    endpoint_url: row.endpointUrl,
    replica_urls: row.replicaUrls,
    api_key_secret: row.apiKeySecret,
    input_price_per_mtok: row.inputPricePerMTok,
    output_price_per_mtok: row.outputPricePerMTok,
    skills: row.skills,
    tags: row.tags,
    enabled: row.enabled,
    capabilities: row.capabilities,
    task: row.task,
    description: row.description,
    demo: row.demo,
    created_at: new Date(row.createdAt).toISOString(),
    updated_at: new Date(row.updatedAt).toISOString(),
  };
}

function toColumns(p: ExpertPatch) {
  return {
    ...(p.provider !== undefined ? { provider: p.provider } : {}),
    ...(p.model !== undefined ? { model: p.model } : {}),
    ...(p.endpoint_url !== undefined ? { endpointUrl: p.endpoint_url } : {}),
    ...(p.replica_urls !== undefined ? { replicaUrls: p.replica_urls } : {}),
    ...(p.api_key_secret !== undefined ? { apiKeySecret: p.api_key_secret } : {}),
    ...(p.input_price_per_mtok !== undefined ? { inputPricePerMTok: p.input_price_per_mtok } : {}),
    ...(p.output_price_per_mtok !== undefined ? { outputPricePerMTok: p.output_price_per_mtok } : {}),
    ...(p.skills !== undefined ? { skills: p.skills } : {}),
    ...(p.tags !== undefined ? { tags: p.tags } : {}),
    ...(p.enabled !== undefined ? { enabled: p.enabled } : {}),
    ...(p.capabilities !== undefined ? { capabilities: p.capabilities } : {}),
    ...(p.task !== undefined ? { task: p.task } : {}),
    ...(p.description !== undefined ? { description: p.description } : {}),
    ...(p.demo !== undefined ? { demo: p.demo } : {}),
  };
}

/**
 * What the provider registry says an expert of this kind may be (endpoint rule, capabilities,
 * embeddings), then what it may reach (its secret, its URLs' addresses, what their names resolve
 * to: asked only when the URLs are new, so an operator can still disable an expert while DNS is
 * down; the gateway judges the names again before calls).
 */
async function checkExpert(
  e: {
    provider: string;
    endpointUrl: string | null;
    replicaUrls: readonly string[];
    apiKeySecret: string | null;
    capabilities: readonly string[];
    task: 'chat' | 'embedding';
  },
  env: Env,
  urlsChanged: boolean,
): Promise<void> {
  const spec = providerSpec(e.provider)!;
  const invalid = (field: string, message: string) => new InvalidRequestError(`expert.${field}: ${message}`, 'invalid_field', field);
  if (spec.endpoint === 'required' && !e.endpointUrl) throw invalid('endpoint_url', `provider '${e.provider}' needs endpoint_url`);
  if (spec.endpoint === 'none' && e.endpointUrl) throw invalid('endpoint_url', `provider '${e.provider}' takes no endpoint_url`);
  if (e.replicaUrls.length > 0 && !e.endpointUrl) throw invalid('replica_urls', 'replicas need the endpoint_url they replicate');
  if (new Set([e.endpointUrl, ...e.replicaUrls]).size !== e.replicaUrls.length + 1) throw invalid('replica_urls', 'lists an endpoint twice');
  const unsupported = e.capabilities.filter((c) => !(spec.capabilities as readonly string[]).includes(c));
  if (unsupported.length)
    throw invalid('capabilities', `provider '${e.provider}' cannot carry ${unsupported.join(', ')} (it carries: ${spec.capabilities.join(', ') || 'none'})`);
  if (e.task === 'embedding' && !spec.embeddings) throw invalid('task', `provider '${e.provider}' serves no embeddings`);
  const reach = await endpointReachProblem(e, env, urlsChanged);
  if (reach) throw invalid(reach.field, reach.message);
}

export const adminExperts = new Hono<AppEnv>();

adminExperts.get('/', async (c) => c.json({ data: (await listExpertRows(createDb(c.env.DB))).map(expertJson) }));

adminExperts.get('/:id', async (c) => {
  const row = await getExpertRow(createDb(c.env.DB), c.req.param('id'));
  if (!row) throw new NotFoundError('expert', c.req.param('id'));
  return c.json(expertJson(row));
});

adminExperts.post('/', async (c) => {
  const input = await readJson(c, expertCreateSchema, 'expert');
  await checkExpert(
    {
      provider: input.provider,
      endpointUrl: input.endpoint_url ?? null,
      replicaUrls: input.replica_urls ?? [],
      apiKeySecret: input.api_key_secret ?? null,
      capabilities: input.capabilities ?? [],
      task: input.task ?? 'chat',
    },
    c.env,
    true,
  );
  const db = createDb(c.env.DB);
  if (await getExpertRow(db, input.id))
    throw new ConclaveError(`expert '${input.id}' already exists`, 409, 'client', 'invalid_request_error', 'conflict', 'id');
  await assertExpertIdFree(db, input.id);
  const row = await insertExpert(db, { id: input.id, provider: input.provider, model: input.model, ...toColumns(input) });
  invalidateRegistry();
  return c.json(expertJson(row), 201);
});

adminExperts.patch('/:id', async (c) => {
  const patch = await readJson(c, expertPatchSchema, 'expert');
  const db = createDb(c.env.DB);
  const current = await getExpertRow(db, c.req.param('id'));
  if (!current) throw new NotFoundError('expert', c.req.param('id'));
  await checkExpert(
    {
      provider: patch.provider ?? current.provider,
      endpointUrl: patch.endpoint_url !== undefined ? patch.endpoint_url : current.endpointUrl,
      replicaUrls: patch.replica_urls ?? current.replicaUrls,
      apiKeySecret: patch.api_key_secret !== undefined ? patch.api_key_secret : current.apiKeySecret,
      capabilities: patch.capabilities ?? current.capabilities,
      task: patch.task ?? current.task,
    },
    c.env,
    patch.endpoint_url !== undefined || patch.replica_urls !== undefined,
  );
  const row = await updateExpert(db, current.id, toColumns(patch));
  invalidateRegistry();
  return c.json(expertJson(row!));
});

adminExperts.delete('/:id', async (c) => {
  if (!(await deleteExpert(createDb(c.env.DB), c.req.param('id')))) throw new NotFoundError('expert', c.req.param('id'));
  invalidateRegistry();
  return c.body(null, 204);
});
