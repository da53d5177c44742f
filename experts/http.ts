import { ExpertCallError } from '../router/errors';
import { abortedCallError } from './shared';

// Plain-fetch calls for adapters that speak a provider's HTTP protocol themselves.

/** Retry-After as seconds or an HTTP date, in ms; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Overloaded / rate-limited / server-side statuses are worth another attempt. */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Statuses by which an expert refuses the request's own input: malformed or unsupported (400), too
 * large (413: the GPU service's prompt_too_large), unprocessable (422). Other 4xx are not the
 * client's to fix: 401/403/404 are the expert's configuration (key, model, URL), 408/409/429 its state.
 */
const REFUSES_INPUT: ReadonlySet<number> = new Set([400, 413, 422]);

/**
 * The typed error for an expert's non-2xx answer. A refusal of the input is the client's failure
 * (`rejected_by_expert`, 422 when every expert tried refused), never retried: the same input would
 * be refused again.
 */
export function httpStatusError(expertId: string, status: number, message: string, retryAfter: string | null): ExpertCallError {
  return new ExpertCallError(expertId, `HTTP ${status}: ${message}`, {
    upstreamStatus: status,
    ...(REFUSES_INPUT.has(status) ? { source: 'client', kind: 'rejected_by_expert' } : {}),
    retryable: isRetryableStatus(status),
    retryAfterMs: parseRetryAfter(retryAfter),
  });
}

/** POSTs JSON; a non-2xx answer or a network failure becomes a typed ExpertCallError. */
export async function postJson(
  expertId: string,
  url: string,
  headers: Record<string, string>,
  body: unknown,
  signal: AbortSignal | undefined,
  fetcher: typeof fetch = fetch,
): Promise<Response> {
  let res: Response;
  try {
    res = await fetcher(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    if (signal?.aborted) throw abortedCallError(expertId, signal);
    throw new ExpertCallError(expertId, `network error: ${e instanceof Error ? e.message : String(e)}`, { kind: 'network', retryable: true });
  }
  if (res.ok) return res;
  const text = await res.text().catch(() => '');
  throw httpStatusError(expertId, res.status, errorMessageOf(text), res.headers.get('retry-after'));
}

/** The provider's own error message when its body has one (OpenAI and Anthropic both nest it in `error`). */
function errorMessageOf(text: string): string {
  try {
    const message = providerErrorMessage(JSON.parse(text));
    if (message !== null) return message;
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 500) || 'no body';
}

/** The message of a parsed error body: `{"error": "…"}`, `{"error": {"message": "…"}}` or `{"message": "…"}`. */
export function providerErrorMessage(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const { error, message } = body as { error?: { message?: unknown } | string | null; message?: unknown };
  const found = typeof error === 'string' ? error : (error?.message ?? message);
  return typeof found === 'string' ? found : null;
}

/** Reads a JSON body; a malformed one is the expert's protocol failure. */
export async function readJsonBody<T>(expertId: string, res: Response, signal: AbortSignal | undefined): Promise<T> {
  try {
    return (await res.json()) as T;
  } catch (e) {
    if (signal?.aborted) throw abortedCallError(expertId, signal);
    throw new ExpertCallError(expertId, `malformed response: ${e instanceof Error ? e.message : String(e)}`, { kind: 'protocol' });
  }
}

/** Base URL + path, accepting endpoints given with or without their `/v1`. */
export function endpointPath(endpoint: string, path: string): string {
  const base = endpoint.replace(/\/+$/, '').replace(/\/chat\/completions$/, '');
  return /\/v1$/.test(base) ? `${base}${path}` : `${base}/v1${path}`;
}
