import type { RoutingPolicy } from '../../router/policy';
import { settingOrDefault, type Env } from '../env';
import type { ChatRequest } from './openai-schema';
import { sha256Hex } from '../../router/hex';

/**
 * Exact-match answers in the Workers Cache API (per data centre): the same key, the same resolved
 * policy and the same request body (streaming or not) get the answer stored the first time, with
 * no expert called; an ensemble costs 2-10x one model, so repeats should not. A request opts out
 * with `Cache-Control: no-store` (neither read nor stored) or `no-cache` (not read, stored anew).
 */
export interface CachedAnswer {
  /** The route that produced the answer. */
  route_id: string;
  model: string;
  choices: { index: number; message: { content: string | null; tool_calls?: unknown[] }; finish_reason: string }[];
}

/** How long an answer is kept (whole seconds: Cache-Control's max-age); 0 turns the cache off. */
export function responseCacheTtlS(env: Env): number {
  return settingOrDefault(env, 'RESPONSE_CACHE_TTL_S', 3_600, { min: 0, integer: true });
}

export class ResponseCache {
  private constructor(
    private readonly url: string,
    private readonly ttlS: number,
    /** False for `no-cache`: the answer is fetched anew, then stored. */
    private readonly read: boolean,
  ) {}

  /** The cache slot of this request, or null when the cache is off or the request opts out. */
  static async open(
    env: Env,
    cacheControl: string | undefined,
    apiKeyId: string | null,
    policy: RoutingPolicy,
    body: ChatRequest,
  ): Promise<ResponseCache | null> {
    const ttlS = responseCacheTtlS(env);
    const directives = (cacheControl ?? '').toLowerCase();
    if (ttlS === 0 || /\bno-store\b/.test(directives)) return null;
    const { stream: _s, stream_options: _o, ...request } = body;
    const hex = await sha256Hex(canonicalJson([apiKeyId ?? 'dev', policy, request]));
    return new ResponseCache(`https://response-cache.conclave.internal/v1/chat/${hex}`, ttlS, !/\bno-cache\b/.test(directives));
  }

  async lookup(): Promise<CachedAnswer | null> {
    if (!this.read) return null;
    const hit = await caches.default.match(this.url);
    return hit ? ((await hit.json()) as CachedAnswer) : null;
  }

  store(answer: CachedAnswer): Promise<void> {
    return caches.default.put(
      this.url,
      new Response(JSON.stringify(answer), { headers: { 'content-type': 'application/json', 'cache-control': `max-age=${this.ttlS}` } }),
    );
  }
}

/** JSON with object keys sorted at every depth, so equal requests hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
