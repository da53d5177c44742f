import type { MiddlewareHandler } from 'hono';
import { AuthError } from '../../router/errors';
import { RecentMap } from '../../router/recent';
import { createDb } from '../db/client';
import { cacheTtlMs, type AppEnv } from '../env';
import { API_KEY_PREFIX, hashKey } from '../db/keys';
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

/** The bearer token of a request (`what` it must be); a header of another form is told the form, not that it is missing. */
function bearerOf(header: string | undefined, what: string, form: string): string {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (m) return m[1]!;
  // "Bearer " alone is a key left out (an unset shell variable, say): that one is missing.
  if (header?.trim() && !/^bearer$/i.test(header.trim())) throw new AuthError(`the Authorization header must read '${form}'`);
  throw new AuthError(`missing ${what}: send Authorization: ${form}`);
}

/** Equal-length strings compared in constant time. */
function sameHex(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length && i < b.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Hashes of the keys this isolate has seen (DEV_API_KEY's included), so a client's next request
 * skips SHA-256; bounded, oldest out first. Only the hash goes further (compare, look up).
 */
const keyHashes = new RecentMap<string, Promise<string>>(10_000);

function hashOf(key: string): Promise<string> {
  return keyHashes.remember(key, () => hashKey(key));
}

/**
 * Client API key: a key from D1 (hash lookup) or the dev key from the environment. The key's
 * hash is compared with the dev key's and looks the stored key up.
 */
export const requireApiKey: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = bearerOf(c.req.header('authorization'), 'API key', 'Bearer <key>');
  const hash = await hashOf(key);
  const dev = c.env.DEV_API_KEY;
  if (dev) {
    if (sameHex(hash, await hashOf(dev))) {
      c.set('apiKeyId', null);
      c.set('apiKey', null);
      return next();
    }
  }
  const row = await activeKey(createDb(c.env.DB), hash, cacheTtlMs(c.env), (p) => c.executionCtx.waitUntil(p));
  if (!row) {
    if (c.env.ADMIN_TOKEN && (await safeEqual(key, c.env.ADMIN_TOKEN)))
      throw new AuthError(
        'invalid API key: this is the ADMIN_TOKEN, which opens the admin API only; /v1 takes an API key (DEV_API_KEY, or one from POST /admin/api/keys)',
      );
    throw new AuthError('invalid API key');
  }
  c.set('apiKeyId', row.id);
  c.set('apiKey', row);
  return next();
};

/** Admin API: the ADMIN_TOKEN bearer only. */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = bearerOf(c.req.header('authorization'), 'admin token', 'Bearer <ADMIN_TOKEN>');
  if (!c.env.ADMIN_TOKEN || !(await safeEqual(token, c.env.ADMIN_TOKEN))) {
    const apiKey = token.startsWith(API_KEY_PREFIX) || (!!c.env.DEV_API_KEY && (await safeEqual(token, c.env.DEV_API_KEY)));
    throw new AuthError(apiKey ? 'invalid admin token: this is an API key, which opens /v1 only; the admin API takes ADMIN_TOKEN' : 'invalid admin token');
  }
  return next();
};
