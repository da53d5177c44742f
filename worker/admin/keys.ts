import { Hono } from 'hono';
import { z } from 'zod';
import { NotFoundError } from '../../router/errors';
import { createDb } from '../db/client';
import { API_KEY_PREFIX, getKey, hashKey, insertKey, listKeys, revokeKey, updateKey, type ApiKeyRow } from '../db/keys';
import { invalidateKeys } from '../gateway/key-cache';
import { keySpendNow, type KeySpend } from '../db/spend';
import type { AppEnv } from '../env';
import { readJson } from '../http/validation';

const limits = {
  allowed_policies: z.array(z.string().min(1).max(128)).max(256).nullable(),
  allowed_experts: z.array(z.string().min(1).max(128)).max(256).nullable(),
  daily_budget_usd: z.number().nonnegative().max(1e9).nullable(),
  monthly_budget_usd: z.number().nonnegative().max(1e9).nullable(),
  rpm_limit: z.number().int().min(1).max(1_000_000).nullable(),
};

export const keyPatchSchema = z
  .object({ name: z.string().min(1).max(128), ...limits })
  .partial()
  .strict();
export const keyCreateSchema = keyPatchSchema.required({ name: true });

/** A key as the API shows it; `spend` is what it spent today and this month (UTC), against its budgets. */
function keyJson(row: ApiKeyRow, spent: KeySpend = { todayUsd: 0, monthUsd: 0 }) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    allowed_policies: row.allowedPolicies,
    allowed_experts: row.allowedExperts,
    daily_budget_usd: row.dailyBudgetUsd,
    monthly_budget_usd: row.monthlyBudgetUsd,
    rpm_limit: row.rpmLimit,
    created_at: new Date(row.createdAt).toISOString(),
    revoked_at: row.revokedAt ? new Date(row.revokedAt).toISOString() : null,
    spend: { today_usd: spent.todayUsd, month_usd: spent.monthUsd },
  };
}

function columns(input: z.infer<typeof keyPatchSchema>) {
  return {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.allowed_policies !== undefined ? { allowedPolicies: input.allowed_policies } : {}),
    ...(input.allowed_experts !== undefined ? { allowedExperts: input.allowed_experts } : {}),
    ...(input.daily_budget_usd !== undefined ? { dailyBudgetUsd: input.daily_budget_usd } : {}),
    ...(input.monthly_budget_usd !== undefined ? { monthlyBudgetUsd: input.monthly_budget_usd } : {}),
    ...(input.rpm_limit !== undefined ? { rpmLimit: input.rpm_limit } : {}),
  };
}

export type KeyJson = ReturnType<typeof keyJson>;

export const adminKeys = new Hono<AppEnv>();

adminKeys.get('/', async (c) => {
  const [keys, spent] = await Promise.all([listKeys(createDb(c.env.DB)), keySpendNow(c.env.DB)]);
  return c.json({ data: keys.map((k) => keyJson(k, spent.get(k.id))) });
});

adminKeys.get('/:id', async (c) => {
  const id = c.req.param('id');
  const [row, spent] = await Promise.all([getKey(createDb(c.env.DB), id), keySpendNow(c.env.DB, new Date(), id)]);
  if (!row) throw new NotFoundError('key', id);
  return c.json(keyJson(row, spent.get(id)));
});

/** A changed key as GET shows it: what it has spent is unchanged by the change. */
async function withSpend(d1: D1Database, row: ApiKeyRow) {
  return keyJson(row, (await keySpendNow(d1, new Date(), row.id)).get(row.id));
}

/** The key itself is in this response only; D1 keeps its SHA-256. */
adminKeys.post('/', async (c) => {
  const input = await readJson(c, keyCreateSchema, 'key');
  const secret = `${API_KEY_PREFIX}${base64url(crypto.getRandomValues(new Uint8Array(24)))}`;
  const row = await insertKey(createDb(c.env.DB), {
    id: `key_${base64url(crypto.getRandomValues(new Uint8Array(9)))}`,
    name: input.name,
    keyHash: await hashKey(secret),
    prefix: secret.slice(0, 10),
    ...columns(input),
  });
  return c.json({ ...keyJson(row), key: secret }, 201);
});

adminKeys.patch('/:id', async (c) => {
  const input = await readJson(c, keyPatchSchema, 'key');
  const row = await updateKey(createDb(c.env.DB), c.req.param('id'), columns(input));
  invalidateKeys();
  if (!row) throw new NotFoundError('key', c.req.param('id'));
  return c.json(await withSpend(c.env.DB, row));
});

/** Revokes (the row stays so history keeps naming the key). */
adminKeys.delete('/:id', async (c) => {
  const row = await revokeKey(createDb(c.env.DB), c.req.param('id'), Date.now());
  invalidateKeys();
  if (!row) throw new NotFoundError('key', c.req.param('id'));
  return c.json(await withSpend(c.env.DB, row));
});

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}
