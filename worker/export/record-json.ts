import { iso, routeHeadJson } from '../admin/route-view';
import type { RouteRecord } from '../history/record';

// A finished route as the webhook sink sends it: the admin API's snake_case names, the calls made
// (their answers left out: GET /admin/api/routes/:id has them), times as ISO strings.

export function routeRecordJson(r: RouteRecord) {
  return {
    ...routeHeadJson(r),
    prompt: r.prompt,
    response: r.response,
    stream: r.stream,
    status: r.status,
    http_status: r.httpStatus,
    error: r.error,
    latency_ms: r.latencyMs,
    ttft_ms: r.ttftMs,
    usage: { prompt_tokens: r.usage.promptTokens, completion_tokens: r.usage.completionTokens },
    cost_usd: r.costUsd,
    calls: r.calls.map((c) => ({
      expert: c.expertId,
      role: c.role,
      stage: c.stage,
      status: c.status,
      started_at: iso(c.startedAt),
      latency_ms: c.latencyMs,
      usage: { prompt_tokens: c.usage.promptTokens, completion_tokens: c.usage.completionTokens },
      cost_usd: c.costUsd,
      attempts: c.attempts,
      error: c.error ? { message: c.error.message, source: c.error.source, upstream_status: c.error.upstreamStatus || null } : null,
    })),
  };
}
