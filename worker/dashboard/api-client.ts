import type { Hono } from 'hono';
import type { AppEnv, Env } from '../env';

// The dashboard is built on the admin JSON API: every read and write goes through the same handlers,
// validation and error bodies as `curl` does, called in-process with the admin bearer the operator
// proved by signing in. No business rule is implemented twice.

export interface ApiError {
  message: string;
  code: string;
  /** The offending field, dotted (`config.k`), when the API named one. */
  param: string | null;
}

/** Hono's own execution-context type, which is what `request()` takes. */
type ExecutionCtx = Parameters<Hono<AppEnv>['request']>[3];

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; error: ApiError };

export class AdminClient {
  constructor(
    private readonly api: Hono<AppEnv>,
    private readonly env: Env,
    private readonly ctx: ExecutionCtx,
  ) {}

  get<T>(path: string, query: Record<string, string | undefined> = {}): Promise<ApiResult<T>> {
    const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
    const qs = params.size ? `?${params}` : '';
    return this.send<T>('GET', `${path}${qs}`);
  }

  post<T>(path: string, body: unknown): Promise<ApiResult<T>> {
    return this.send<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<ApiResult<T>> {
    return this.send<T>('PUT', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<ApiResult<T>> {
    return this.send<T>('PATCH', path, body);
  }

  delete(path: string): Promise<ApiResult<null>> {
    return this.send<null>('DELETE', path);
  }

  /** Like get, for pages that cannot render without the answer: an API failure becomes the page's error. */
  async must<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
    const res = await this.get<T>(path, query);
    if (!res.ok) throw new DashboardApiError(res.status, res.error);
    return res.data;
  }

  private async send<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.env.ADMIN_TOKEN}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.api.request(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }, this.env, this.ctx);
    if (res.status === 204) return { ok: true, status: 204, data: null as T };
    const json = (await res.json()) as unknown;
    if (res.ok) return { ok: true, status: res.status, data: json as T };
    const error = (json as { error?: Partial<ApiError> }).error ?? {};
    return {
      ok: false,
      status: res.status,
      error: { message: error.message ?? `HTTP ${res.status}`, code: error.code ?? 'error', param: error.param ?? null },
    };
  }
}

/** An API failure a page could not work around (shown by the dashboard's error page). */
export class DashboardApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(error.message);
  }
}

/** Path segment for an id that may contain `/` (expert ids do). */
export function seg(id: string): string {
  return encodeURIComponent(id);
}
