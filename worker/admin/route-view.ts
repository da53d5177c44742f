import type { feedback, routeCalls, routes } from '../db/schema';

// The routing history as the admin API shows it: snake_case like every other admin and /v1 body,
// times as ISO strings, and the recorded decision's candidates named `expert` as in `routing`.

type RouteRow = typeof routes.$inferSelect;
type CallRow = typeof routeCalls.$inferSelect;
type FeedbackRow = typeof feedback.$inferSelect;

export interface CandidateJson {
  expert: string;
  score: number;
  detail?: Record<string, number | string>;
}

export interface RouteJson {
  id: string;
  created_at: string;
  api_key_id: string | null;
  model: string;
  policy: string;
  strategy: string;
  aggregation: string;
  /** The resolved policy the route ran under. */
  policy_config: Record<string, unknown>;
  prompt: string;
  messages: unknown[];
  response: string | null;
  stream: boolean;
  status: 'ok' | 'error';
  http_status: number;
  error: { code: string | null; message: string; source: string | null } | null;
  latency_ms: number;
  ttft_ms: number | null;
  usage: { prompt_tokens: number; completion_tokens: number };
  cost_usd: number;
  /** What the strategy planned: every eligible expert scored, and the stages it would call. */
  decision: { ranked: CandidateJson[]; stages: CandidateJson[][]; info?: unknown } | null;
  aggregation_detail: Record<string, unknown> | null;
  /** `hit` when the exact-match response cache answered, `miss` when it was consulted in vain. */
  cache: 'hit' | 'miss' | null;
}

export interface CallJson {
  id: number;
  expert: string;
  role: string;
  stage: number;
  status: CallRow['status'];
  started_at: string;
  latency_ms: number;
  usage: { prompt_tokens: number; completion_tokens: number };
  cost_usd: number;
  attempts: number;
  response: string | null;
  error: { message: string; source: string | null; upstream_status: number | null } | null;
}

export interface FeedbackJson {
  id: number;
  api_key_id: string | null;
  score: number;
  answer: string | null;
  comment: string | null;
  created_at: string;
}

/** A listed route: the route and who it really called (not the planned cascade stages). */
export interface ListedRouteJson extends RouteJson {
  called: { expert: string; role: string; status: string }[];
}

export interface RouteDetailJson {
  route: RouteJson;
  /** The calls actually made, in the order they started. */
  calls: CallJson[];
  feedback: FeedbackJson[];
}

export const iso = (ms: number) => new Date(ms).toISOString();

/** The fields that name a route and how it was routed, as every JSON view of a route has them first (the webhook export's too). */
export function routeHeadJson(r: Pick<RouteRow, 'id' | 'createdAt' | 'apiKeyId' | 'model' | 'policy' | 'strategy' | 'aggregation'>) {
  return { id: r.id, created_at: iso(r.createdAt), api_key_id: r.apiKeyId, model: r.model, policy: r.policy, strategy: r.strategy, aggregation: r.aggregation };
}

/** Recorded candidates are JSON from D1 (older rows named the field `expertId`): checked, not trusted. */
function candidates(value: unknown): CandidateJson[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((c: unknown) => {
    if (typeof c !== 'object' || c === null) return [];
    const r = c as { expertId?: unknown; expert?: unknown; score?: unknown; detail?: unknown };
    const expert = typeof r.expertId === 'string' ? r.expertId : r.expert;
    if (typeof expert !== 'string') return [];
    return [
      {
        expert,
        score: typeof r.score === 'number' ? r.score : 0,
        ...(r.detail && typeof r.detail === 'object' ? { detail: r.detail as Record<string, number | string> } : {}),
      },
    ];
  });
}

function decisionJson(d: Record<string, unknown> | null): RouteJson['decision'] {
  if (!d) return null;
  const stages = Array.isArray(d.stages) ? d.stages.map(candidates) : [];
  return { ranked: candidates(d.ranked), stages, ...(d.info !== undefined ? { info: d.info } : {}) };
}

export function routeJson(r: RouteRow): RouteJson {
  return {
    ...routeHeadJson(r),
    policy_config: r.policyJson,
    prompt: r.prompt,
    messages: r.messagesJson,
    response: r.response,
    stream: r.stream,
    status: r.status,
    http_status: r.httpStatus,
    error: r.errorMessage !== null ? { code: r.errorCode, message: r.errorMessage, source: r.errorSource } : null,
    latency_ms: r.latencyMs,
    ttft_ms: r.ttftMs,
    usage: { prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens },
    cost_usd: r.costUsd,
    decision: decisionJson(r.decisionJson ?? null),
    aggregation_detail: r.aggregationJson ?? null,
    cache: r.cache ?? null,
  };
}

export function callJson(c: CallRow): CallJson {
  return {
    id: c.id,
    expert: c.expertId,
    role: c.role,
    stage: c.stage,
    status: c.status,
    started_at: iso(c.createdAt),
    latency_ms: c.latencyMs,
    usage: { prompt_tokens: c.promptTokens, completion_tokens: c.completionTokens },
    cost_usd: c.costUsd,
    attempts: c.attempts,
    response: c.response,
    error: c.status === 'ok' ? null : { message: c.errorMessage ?? c.status, source: c.errorSource, upstream_status: c.upstreamStatus },
  };
}

export function feedbackJson(f: FeedbackRow): FeedbackJson {
  return { id: f.id, api_key_id: f.apiKeyId, score: f.score, answer: f.answer, comment: f.comment, created_at: iso(f.createdAt) };
}

/** The calls summary listRoutes selects as JSON text. */
export function calledJson(text: string | null): ListedRouteJson['called'] {
  if (!text) return [];
  const parsed = JSON.parse(text) as unknown;
  return Array.isArray(parsed) ? (parsed as ListedRouteJson['called']) : [];
}
