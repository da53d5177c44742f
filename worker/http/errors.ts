import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { CircuitOpenError, ConclaveError, QuorumError, RateLimitError } from '../../router/errors';
import { rateLimitHeaders } from '../limits/headers';

/** OpenAI-style error body; `source` says who failed (client, gateway or expert). */
export function errorBody(e: ConclaveError) {
  return {
    error: {
      message: e.message,
      type: e.type,
      code: e.code,
      param: e.param,
      source: e.source,
      ...(e instanceof QuorumError ? { experts: e.reasons.map((r) => ({ expert: r.expertId, error: r.error })) } : {}),
    },
  };
}

export function errorResponse(c: Context, e: ConclaveError): Response {
  const headers: Record<string, string> =
    e instanceof RateLimitError
      ? { 'retry-after': retryAfter(e.retryAfterMs), ...(e.window ? rateLimitHeaders(e.window) : {}) }
      : e instanceof CircuitOpenError && e.retryAfterMs !== null
        ? { 'retry-after': retryAfter(e.retryAfterMs) }
        : {};
  return c.json(errorBody(e), e.status as ContentfulStatusCode, headers);
}

/** Whole seconds, at least 1, as Retry-After takes them. */
function retryAfter(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}

/** App-wide error handler: typed errors map to their status; anything else is the gateway's 500. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof ConclaveError) return errorResponse(c, err);
  if (err instanceof HTTPException) {
    return errorResponse(c, new ConclaveError(err.message || 'request rejected', err.status, 'client', 'invalid_request_error', 'http_error'));
  }
  console.error(JSON.stringify({ event: 'unhandled_error', path: c.req.path, error: String(err), stack: err.stack }));
  return errorResponse(c, new ConclaveError('internal gateway error', 500, 'gateway', 'server_error', 'internal_error'));
}
