import type { MiddlewareHandler } from 'hono';
import { AuthError } from '../../router/errors';
import { createDb } from '../db/client';
import { cacheTtlMs, type AppEnv } from '../env';
import { activeKey } from '../gateway/key-cache';

/** Constant-time string comparison over SHA-256 digests, so length does not leak either. */
export async function safeEqual(a: string, b: string): Promise<boolean> {
  const enc = new TextEncoder();
  const [da, db] = await Promise.all([crypto.subtle.digest('SHA-256', enc.encode(a)), crypto.subtle.digest('SHA-256', enc.encode(b))]);
  const x = new Uint8Array(da);
  const y = new Uint8Array(db);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}

export function bearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1]! : null;
}

/** Client API key: a key from D1 (hash lookup) or the dev key from the environment. */
export const requireApiKey: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = bearer(c.req.header('authorization'));
  if (!key) throw new AuthError('missing API key: send Authorization: Bearer <key>');
  if (c.env.DEV_API_KEY && (await safeEqual(key, c.env.DEV_API_KEY))) {
    c.set('apiKeyId', null);
    c.set('apiKey', null);
    return next();
  }
  const row = await activeKey(createDb(c.env.DB), key, cacheTtlMs(c.env), (p) => c.executionCtx.waitUntil(p));
  if (!row) throw new AuthError('invalid API key');
  c.set('apiKeyId', row.id);
  c.set('apiKey', row);
  return next();
};

/** Admin API: the ADMIN_TOKEN bearer only. */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = bearer(c.req.header('authorization'));
  if (!token) throw new AuthError('missing admin token: send Authorization: Bearer <ADMIN_TOKEN>');
  if (!c.env.ADMIN_TOKEN || !(await safeEqual(token, c.env.ADMIN_TOKEN))) throw new AuthError('invalid admin token');
  return next();
};
