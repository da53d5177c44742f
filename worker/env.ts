/** Bindings and secrets the Worker receives (wrangler.toml, .dev.vars, `wrangler secret put`). */
export interface Env {
  DB: D1Database;
  /** The replay answers (one JSON per recorded prompt, built by scripts/build-replay.ts): an assets-only Worker, replay.wrangler.toml. */
  REPLAY: Fetcher;
  ADMIN_TOKEN: string;
  /** Per-key limits: requests per minute and spend budgets (worker/limits/key-limiter.ts). */
  KEY_LIMITER: DurableObjectNamespace<import('./limits/key-limiter').KeyLimiter>;
  /** Accepted as an API key in addition to the keys in D1: for local development and tests. */
  DEV_API_KEY?: string;
  HF_TOKEN?: string;
  GPU_SERVICE_URL?: string;
  /** Seconds an exact-match answer is kept in the response cache (default 3600; 0 turns it off). */
  RESPONSE_CACHE_TTL_S?: string;
  /** How long an isolate trusts its cached registry and router artifacts (ms); tests set 0. */
  CACHE_TTL_MS?: string;
  /** Chaos testing only: fraction of routing-history writes made to fail (retries must absorb them); honoured on loopback/.test hosts only (worker/db/chaos.ts). */
  CHAOS_HISTORY_FAILURE_RATE?: string;
  /** Least time between two bandit versions learned right after feedback (ms, default 10000); tests set 0. */
  BANDIT_LEARN_INTERVAL_MS?: string;
  /** Routes older than this many days (whole, at least 1) are rolled up into daily aggregates and pruned (default 30). */
  RETENTION_DAYS?: string;
  /** Minutes an unrated route is left for raters before the cron learns it from its experts' consensus (default 60). */
  CONSENSUS_AFTER_MINUTES?: string;
  /** OTLP/HTTP traces endpoint (JSON), e.g. http://collector:4318/v1/traces; unset: no traces. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
  /** Headers for it, `key=value,key2=value2` (an auth token, say). */
  OTEL_EXPORTER_OTLP_HEADERS?: string;
  /** The traces' service.name (default conclave-gateway). */
  OTEL_SERVICE_NAME?: string;
  /** Receives each finished route record (batched JSON POSTs); unset: no webhook. */
  ROUTE_WEBHOOK_URL?: string;
  /** Signs the webhook's requests (HMAC-SHA256). */
  ROUTE_WEBHOOK_SECRET?: string;
  /** Longest a finished route waits for its batch to be sent (ms, default 1000). */
  EXPORT_BATCH_MS?: string;
  /** Records per batch at most (default 100). */
  EXPORT_BATCH_SIZE?: string;
  /** `1` lets experts' endpoints be loopback, private or link-local addresses (local development, tests). */
  ALLOW_PRIVATE_ENDPOINTS?: string;
  /** DNS-over-HTTPS (JSON) resolver that experts' endpoint names are checked with (default Cloudflare's). */
  DOH_URL?: string;
  /** Other secrets named by experts' `api_key_secret` (EXPERT_* or a provider's own). */
  [secret: string]: unknown;
}

export interface AppVariables {
  /** The API key a chat request was authenticated with (null for the dev key). */
  apiKeyId: string | null;
  apiKey: import('./db/keys').ApiKeyRow | null;
  /** The route a /v1 request is recorded as (worker/http/route-recorder.ts). */
  route: import('./http/route-recorder').RouteRecorder;
}

export type AppEnv = { Bindings: Env; Variables: AppVariables };

/** The vars read as numbers. */
type NumericVar =
  | 'CACHE_TTL_MS'
  | 'BANDIT_LEARN_INTERVAL_MS'
  | 'CONSENSUS_AFTER_MINUTES'
  | 'EXPORT_BATCH_MS'
  | 'EXPORT_BATCH_SIZE'
  | 'RESPONSE_CACHE_TTL_S'
  | 'RETENTION_DAYS'
  | 'CHAOS_HISTORY_FAILURE_RATE';

/** What a numeric var must be: at least `min`, and a whole number where `integer`. */
interface NumberRule {
  min: number;
  integer?: boolean;
}

/** A plain decimal number: no sign, exponent, hex, unit or surrounding space, which Number() would take or turn into NaN. */
const DECIMAL = /^\d+(\.\d+)?$/;

/**
 * A numeric var as its rule allows, or undefined when unset or empty (dotenv's way of leaving a
 * var unset); anything else throws an error naming the var and the value, so a typo never becomes
 * NaN, 0 or another number.
 */
function numberSetting(env: Env, name: NumericVar, rule: NumberRule): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = DECIMAL.test(raw) ? Number(raw) : Number.NaN;
  if (Number.isFinite(n) && n >= rule.min && (!rule.integer || Number.isInteger(n))) return n;
  throw new Error(`${name} must be ${rule.integer ? 'a whole number' : 'a number'} of at least ${rule.min}, got '${raw}'`);
}

/** Configuration problems already logged by this isolate: vars are read on every request, each problem is reported once. */
const reported = new Set<string>();

/** Logs a configuration problem (`config_invalid`) the first time this isolate meets it. */
export function reportConfigOnce(error: string, using: unknown): void {
  if (reported.has(error)) return;
  reported.add(error);
  console.error(JSON.stringify({ event: 'config_invalid', error, using }));
}

/**
 * A numeric var, or its documented default when unset; a malformed value is logged (once per
 * isolate) and the default used, so a typo in a tuning var neither stops the gateway nor passes
 * unnoticed.
 */
export function settingOrDefault(env: Env, name: NumericVar, fallback: number, rule: NumberRule = { min: 0 }): number {
  try {
    return numberSetting(env, name, rule) ?? fallback;
  } catch (e) {
    reportConfigOnce((e as Error).message, fallback);
    return fallback;
  }
}

/** Cache lifetime for per-isolate registry and artifact caches. */
export function cacheTtlMs(env: Env): number {
  return settingOrDefault(env, 'CACHE_TTL_MS', 5_000);
}

/** Least time between bandit versions saved right after feedback, so a burst of ratings shares one. */
export function banditIntervalMs(env: Env): number {
  return settingOrDefault(env, 'BANDIT_LEARN_INTERVAL_MS', 10_000);
}

/** How long a route is left for raters before the cron learns it without labels (worker/learning/unrated.ts). */
export function consensusAfterMs(env: Env): number {
  return settingOrDefault(env, 'CONSENSUS_AFTER_MINUTES', 60) * 60_000;
}

/** How long a finished route waits for its export batch (traces, webhook). */
export function exportBatchMs(env: Env): number {
  return settingOrDefault(env, 'EXPORT_BATCH_MS', 1_000);
}

/** Records per export batch at most. */
export function exportBatchSize(env: Env): number {
  return settingOrDefault(env, 'EXPORT_BATCH_SIZE', 100, { min: 1, integer: true });
}

/**
 * Days routes are kept before the cron rolls them up and prunes them (default 30). Unlike the
 * tuning vars a malformed value throws rather than falling back: pruning cannot be undone, and a
 * default shorter than the operator meant (say '365d') would delete what they meant to keep; at
 * least 1, since 0 or less would prune every route.
 */
export function retentionDays(env: Env): number {
  return numberSetting(env, 'RETENTION_DAYS', { min: 1, integer: true }) ?? 30;
}

/** Whether experts may be called on loopback, private or link-local addresses. */
export function allowsPrivateEndpoints(env: Env): boolean {
  return env.ALLOW_PRIVATE_ENDPOINTS === '1' || env.ALLOW_PRIVATE_ENDPOINTS === 'true';
}
