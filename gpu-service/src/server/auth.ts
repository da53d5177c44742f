// API key check for every route but GET /health (load balancers and the gateway's replica probes
// call it without credentials; it says only whether the service is up and how busy it is).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { AuthenticationError } from '../errors.js';

/** Digests of equal length, so the comparison takes the same time whatever the key sent. */
const digest = (s: string) => createHash('sha256').update(s).digest();

export function requireApiKey(apiKey: string): MiddlewareHandler {
  const expected = digest(apiKey);
  return async (c, next) => {
    if (c.req.method === 'GET' && c.req.path === '/health') return next();
    const header = c.req.header('authorization') ?? '';
    const sent = /^Bearer (.+)$/i.exec(header)?.[1];
    if (!sent) throw new AuthenticationError('Missing API key: send Authorization: Bearer <key>');
    if (!timingSafeEqual(digest(sent), expected)) throw new AuthenticationError('Invalid API key');
    await next();
  };
}
