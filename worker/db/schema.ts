import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { ProviderKind } from '../../experts/providers';
import type { Capability } from '../../router/capabilities';

// The one place the D1 schema is defined; `npm run db:generate` writes migrations/ from it.

const now = sql`(unixepoch('subsec') * 1000)`;

/** The expert registry. */
export const experts = sqliteTable('experts', {
  id: text('id').primaryKey(),
  /** A kind in the provider registry (experts/providers.ts). */
  provider: text('provider').$type<ProviderKind>().notNull(),
  model: text('model').notNull(),
  endpointUrl: text('endpoint_url'),
  /** More endpoints serving the same model as endpoint_url (replicas), balanced by the gateway. */
  replicaUrls: text('replica_urls', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
  /** Name of the Worker secret holding this expert's API key (for `openai` endpoints). */
  apiKeySecret: text('api_key_secret'),
  inputPricePerMTok: real('input_price_per_mtok').notNull().default(0),
  outputPricePerMTok: real('output_price_per_mtok').notNull().default(0),
  skills: text('skills', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
  tags: text('tags', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
  /** What the expert supports beyond plain text; routing filters on these. */
  capabilities: text('capabilities', { mode: 'json' }).$type<Capability[]>().notNull().default(sql`'[]'`),
  /** `embedding` experts serve /v1/embeddings and are never routed chat. */
  task: text('task', { enum: ['chat', 'embedding'] })
    .notNull()
    .default('chat'),
  description: text('description').notNull().default(''),
  /** A demo (e.g. the GPU service's random-weights checkpoint): called only where a request or policy names it. */
  demo: integer('demo', { mode: 'boolean' }).notNull().default(false),
  createdAt: integer('created_at').notNull().default(now),
  updatedAt: integer('updated_at').notNull().default(now),
});

/** Saved named routing policies; `config` is a validated RoutingOverride plus strategy / aggregate. */
export const policies = sqliteTable('policies', {
  name: text('name').primaryKey(),
  description: text('description').notNull().default(''),
  config: text('config', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  createdAt: integer('created_at').notNull().default(now),
  updatedAt: integer('updated_at').notNull().default(now),
});

/** Client API keys, stored only as SHA-256 hashes. */
export const apiKeys = sqliteTable('api_keys', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  keyHash: text('key_hash').notNull().unique(),
  /** First characters of the key, to recognise it in lists. */
  prefix: text('prefix').notNull(),
  allowedPolicies: text('allowed_policies', { mode: 'json' }).$type<string[] | null>(),
  allowedExperts: text('allowed_experts', { mode: 'json' }).$type<string[] | null>(),
  dailyBudgetUsd: real('daily_budget_usd'),
  monthlyBudgetUsd: real('monthly_budget_usd'),
  rpmLimit: integer('rpm_limit'),
  createdAt: integer('created_at').notNull().default(now),
  revokedAt: integer('revoked_at'),
});

/** One row per chat request: what was asked, how it was routed, what it cost. */
/** Dashboard sessions signed out before they expired: their cookie and CSRF token no longer work. */
export const revokedSessions = sqliteTable('revoked_sessions', {
  id: text('id').primaryKey(),
  /** When the session would have expired anyway: the row is useless after it and pruned. */
  expiresAt: integer('expires_at').notNull(),
});

export const routes = sqliteTable(
  'routes',
  {
    id: text('id').primaryKey(),
    createdAt: integer('created_at').notNull(),
    apiKeyId: text('api_key_id'),
    model: text('model').notNull(),
    policy: text('policy').notNull(),
    strategy: text('strategy').notNull(),
    aggregation: text('aggregation').notNull(),
    policyJson: text('policy_json', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    prompt: text('prompt').notNull(),
    messagesJson: text('messages_json', { mode: 'json' }).$type<unknown[]>().notNull(),
    response: text('response'),
    stream: integer('stream', { mode: 'boolean' }).notNull(),
    status: text('status', { enum: ['ok', 'error'] }).notNull(),
    httpStatus: integer('http_status').notNull(),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    /** Who failed: client, gateway or expert. */
    errorSource: text('error_source'),
    latencyMs: real('latency_ms').notNull(),
    ttftMs: real('ttft_ms'),
    promptTokens: integer('prompt_tokens').notNull().default(0),
    completionTokens: integer('completion_tokens').notNull().default(0),
    costUsd: real('cost_usd').notNull().default(0),
    decisionJson: text('decision_json', { mode: 'json' }).$type<Record<string, unknown>>(),
    aggregationJson: text('aggregation_json', { mode: 'json' }).$type<Record<string, unknown>>(),
    /** The exact-match response cache: `hit` (answered from it, nothing called), `miss`, or null when not consulted. */
    cache: text('cache', { enum: ['hit', 'miss'] }),
  },
  (t) => [
    index('routes_created_idx').on(t.createdAt),
    index('routes_policy_idx').on(t.policy, t.createdAt),
    index('routes_key_idx').on(t.apiKeyId, t.createdAt),
  ],
);

/** Every call made for a route: answering experts, aggregators, judges, extractors. */
export const routeCalls = sqliteTable(
  'route_calls',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    routeId: text('route_id')
      .notNull()
      .references(() => routes.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
    expertId: text('expert_id').notNull(),
    role: text('role').notNull(),
    stage: integer('stage').notNull(),
    status: text('status', { enum: ['ok', 'error', 'timeout', 'cancelled'] }).notNull(),
    latencyMs: real('latency_ms').notNull(),
    promptTokens: integer('prompt_tokens').notNull().default(0),
    completionTokens: integer('completion_tokens').notNull().default(0),
    costUsd: real('cost_usd').notNull().default(0),
    attempts: integer('attempts').notNull().default(1),
    response: text('response'),
    errorMessage: text('error_message'),
    errorSource: text('error_source'),
    upstreamStatus: integer('upstream_status'),
  },
  (t) => [index('route_calls_route_idx').on(t.routeId), index('route_calls_expert_idx').on(t.expertId, t.createdAt)],
);

export const feedback = sqliteTable(
  'feedback',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    routeId: text('route_id')
      .notNull()
      .references(() => routes.id, { onDelete: 'cascade' }),
    apiKeyId: text('api_key_id'),
    score: real('score').notNull(),
    /** The right answer, when the rater gave it: the learners compare every expert's answer with it. */
    answer: text('answer'),
    comment: text('comment'),
    createdAt: integer('created_at').notNull().default(now),
  },
  // One rating per route and key: a new rating replaces the old one (worker/db/feedback.ts).
  (t) => [index('feedback_route_idx').on(t.routeId, t.apiKeyId)],
);

/**
 * Unrated routes the cron learned from their experts' consensus (worker/learning/consensus.ts): a
 * rating that arrives later is not learned again, so no route counts twice.
 */
export const consensusLearned = sqliteTable('consensus_learned', {
  routeId: text('route_id')
    .primaryKey()
    .references(() => routes.id, { onDelete: 'cascade' }),
  learnedAt: integer('learned_at').notNull(),
});

/**
 * Versioned trained router artifacts (profiles, weights, bandit state); the newest version wins. The
 * JSON body lives in `router_artifact_chunks`: an artifact is megabytes, a D1 statement at most 100 KB.
 */
export const routerArtifacts = sqliteTable(
  'router_artifacts',
  {
    name: text('name').notNull(),
    version: integer('version').notNull(),
    createdAt: integer('created_at').notNull().default(now),
    chunks: integer('chunks').notNull().default(1),
    bytes: integer('bytes').notNull().default(0),
    /** The last feedback row this version has learned from (0: trained offline only). */
    feedbackThrough: integer('feedback_through').notNull().default(0),
    /** The last route call (route_calls.id) whose unrated route this version has learned from by consensus (0: none). */
    consensusThrough: integer('consensus_through').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.name, t.version] })],
);

/** The JSON of an artifact version, in order; written in the same batch as its header row. */
export const routerArtifactChunks = sqliteTable(
  'router_artifact_chunks',
  {
    name: text('name').notNull(),
    version: integer('version').notNull(),
    seq: integer('seq').notNull(),
    body: text('body').notNull(),
  },
  (t) => [primaryKey({ columns: [t.name, t.version, t.seq] })],
);

/** Old routes rolled up per day, policy and expert by the cron handler before they are pruned. */
export const dailyRollups = sqliteTable(
  'daily_rollups',
  {
    day: text('day').notNull(),
    policy: text('policy').notNull(),
    expertId: text('expert_id').notNull(),
    calls: integer('calls').notNull(),
    errors: integer('errors').notNull(),
    promptTokens: integer('prompt_tokens').notNull(),
    completionTokens: integer('completion_tokens').notNull(),
    costUsd: real('cost_usd').notNull(),
    latencyMsSum: real('latency_ms_sum').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.policy, t.expertId] })],
);

/**
 * Old routes rolled up per day, policy and API key ('' for the dev key) before they are pruned, in
 * the same batch as the per-expert rollup: spend per key and policy outlives the retention window.
 */
export const dailyRouteRollups = sqliteTable(
  'daily_route_rollups',
  {
    day: text('day').notNull(),
    policy: text('policy').notNull(),
    apiKeyId: text('api_key_id').notNull(),
    requests: integer('requests').notNull(),
    errors: integer('errors').notNull(),
    promptTokens: integer('prompt_tokens').notNull(),
    completionTokens: integer('completion_tokens').notNull(),
    costUsd: real('cost_usd').notNull(),
    latencyMsSum: real('latency_ms_sum').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.policy, t.apiKeyId] })],
);
