import { Hono, type Context } from 'hono';
import { ConclaveError, InvalidRequestError } from '../../router/errors';
import { lastUserContent } from '../../router/messages';
import { startRoute, type RouteOutcome, type RouteRun } from '../../router/pipeline';
import type { RoutingPolicy } from '../../router/policy';
import type { ChatMessage } from '../../router/types';
import { createDb } from '../db/client';
import { cacheTtlMs, type AppEnv } from '../env';
import { gatewayAdapters } from '../gateway/adapters';
import { RecordingCaller } from '../gateway/caller';
import { answeringCall, completionChoices, deltaJson, openAiUsage } from '../gateway/completion';
import { expertsForRequest } from '../gateway/features';
import { chatRequestSchema, expertParamsOf, normaliseMessages, type ChatRequest } from '../gateway/openai-schema';
import { parsePolicyHeader, resolveRequestPolicy } from '../gateway/policies';
import { loadRegistry } from '../gateway/registry';
import { routerState } from '../gateway/router-state';
import { summarise, totalCost, totalUsage } from '../gateway/routing-summary';
import type { RouteRecord } from '../history/record';
import { emitRouteRecord } from '../export/sinks';
import { newRouteId } from '../history/route-id';
import { enqueueRouteRecord } from '../history/batcher';
import { requireApiKey } from '../http/auth';
import { KeyAdmission } from '../limits/admission';
import { applyKeyScope } from '../limits/enforce';
import { rateLimitHeaders } from '../limits/headers';
import { errorBody } from '../http/errors';
import { readJson } from '../http/validation';

export const chatRoutes = new Hono<AppEnv>();

chatRoutes.post('/v1/chat/completions', requireApiKey, async (c) => {
  const t0 = performance.now();
  const createdAt = Date.now();
  const routeId = newRouteId(createdAt);
  const body = await readJson(c, chatRequestSchema);
  const messages = normaliseMessages(body);
  const params = expertParamsOf(body);
  const prompt = lastUserMessage(messages);
  const headerPolicy = parsePolicyHeader(c.req.header('x-routing-policy'));
  const db = createDb(c.env.DB);
  const registry = await loadRegistry(db, cacheTtlMs(c.env), (p) => c.executionCtx.waitUntil(p));
  const router = await routerState(db, cacheTtlMs(c.env), (p) => c.executionCtx.waitUntil(p));
  const caller = new RecordingCaller(registry.experts, gatewayAdapters(c.env));
  const admission = new KeyAdmission(c.env, c.get('apiKey'));
  const record = recorder(c, { routeId, createdAt, t0, body, messages, prompt, caller, admission });
  // From here on every outcome is recorded, so every response, an error included, names its route.
  c.header('x-route-id', routeId);

  let policy: RoutingPolicy | null = null;
  let run: RouteRun;
  try {
    policy = resolveRequestPolicy(registry, body.model, headerPolicy, body.routing);
    const key = c.get('apiKey');
    if (key) policy = applyKeyScope(key, body.model, policy);
    const experts = expertsForRequest(registry.experts, policy, params, messages, body.stream === true);
    // The key's rate limit and budget are decided once the plan is known, before any expert is called.
    const routeEnv = { experts, strategies: router.strategies, aggregators: router.aggregators, caller, isHealthy: caller.isHealthy, admit: admission.admit };
    run = await startRoute({ prompt, messages, ...samplingOf(body), ...(params ? { params } : {}) }, policy, routeEnv, c.req.raw.signal);
    if (admission.rate) for (const [name, value] of Object.entries(rateLimitHeaders(admission.rate))) c.header(name, value);
  } catch (e) {
    record(policy, null, null, e, null);
    throw e;
  }
  const activePolicy = policy;

  if (!body.stream) {
    let outcome: RouteOutcome;
    try {
      outcome = await run.result;
    } catch (e) {
      record(activePolicy, run, null, e, null);
      throw e;
    }
    const routing = record(activePolicy, run, outcome, null, null);
    const answering = answeringCall(outcome, caller.records);
    return c.json(
      {
        id: `chatcmpl-${routeId}`,
        object: 'chat.completion',
        created: Math.floor(createdAt / 1000),
        model: answering?.expertId ?? body.model,
        choices: completionChoices(outcome, answering),
        usage: openAiUsage(totalUsage(caller.records)),
        routing,
      },
      200,
      // Standard Server-Timing: what the gateway itself added, apart from waiting for experts.
      { 'server-timing': `gateway;dur=${routing.gateway_ms}, total;dur=${routing.latency_ms}` },
    );
  }
  return streamResponse(c, { routeId, createdAt, t0, body, run, policy: activePolicy, caller, record });
});

type Recorder = (policy: RoutingPolicy | null, run: RouteRun | null, outcome: RouteOutcome | null, error: unknown, ttftMs: number | null) => ReturnType<typeof summarise>;

/** Builds the routing summary and hands the history write to waitUntil, off the critical path. */
function recorder(
  c: Context<AppEnv>,
  r: { routeId: string; createdAt: number; t0: number; body: ChatRequest; messages: ChatMessage[]; prompt: string; caller: RecordingCaller; admission: KeyAdmission },
): Recorder {
  return (policy, run, outcome, error, ttftMs) => {
    const latencyMs = performance.now() - r.t0;
    const decision = run?.decision ?? { strategy: policy?.strategy ?? 'none', ranked: [], stages: [] };
    const effective = policy ?? { name: r.body.model, strategy: 'fixed' as const, aggregate: 'first' as const };
    const routing = summarise({ routeId: r.routeId, policy: effective, decision, calls: r.caller.records, outcome, latencyMs, ttftMs });
    const err = error instanceof ConclaveError ? error : error ? new ConclaveError(String(error), 500, 'gateway', 'server_error', 'internal_error') : null;
    const entry: RouteRecord = {
      id: r.routeId,
      createdAt: r.createdAt,
      apiKeyId: c.get('apiKeyId'),
      model: r.body.model,
      policy: effective.name,
      strategy: decision.strategy,
      aggregation: routing.aggregation,
      policyJson: { ...effective },
      prompt: r.prompt,
      messages: r.messages,
      response: outcome?.aggregation.text ?? null,
      stream: r.body.stream === true,
      status: err ? 'error' : 'ok',
      httpStatus: err ? err.status : 200,
      error: err ? { code: err.code, message: err.message, source: err.source } : null,
      latencyMs,
      ttftMs,
      usage: totalUsage(r.caller.records),
      costUsd: totalCost(r.caller.records),
      decision: { ranked: decision.ranked, stages: decision.stages, ...(decision.info ? { info: decision.info } : {}) },
      aggregationDetail: outcome ? { winner: outcome.aggregation.winner ?? null, tally: outcome.aggregation.tally ?? null, ...outcome.aggregation.detail } : null,
      calls: [...r.caller.records],
    };
    enqueueRouteRecord(c.env.DB, entry, (p) => c.executionCtx.waitUntil(p), { chaosFailureRate: Number(c.env.CHAOS_HISTORY_FAILURE_RATE ?? 0) });
    emitRouteRecord(c.env, (p) => c.executionCtx.waitUntil(p), entry);
    const settled = r.admission.settle(entry.costUsd);
    if (settled) c.executionCtx.waitUntil(settled);
    return routing;
  };
}

/** SSE in the OpenAI chunk format; the last chunk carries usage (when asked) and `routing`. */
function streamResponse(
  c: Context<AppEnv>,
  s: { routeId: string; createdAt: number; t0: number; body: ChatRequest; run: RouteRun; policy: RoutingPolicy; caller: RecordingCaller; record: Recorder },
): Response {
  const encoder = new TextEncoder();
  const includeUsage = s.body.stream_options?.include_usage === true;
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (data: unknown) => controller.enqueue(encoder.encode(`data: ${JSON.stringify(data)}\n\n`));
      // Chunks name the expert the answer comes from: the one streaming it, or (text pushed whole
      // after an aggregation) the winner, known by then.
      let base: { id: string; object: string; created: number; model: string } | null = null;
      const opened = async () => {
        if (base) return base;
        const model = s.caller.streamedBy ?? answeringCall(await s.run.result, s.caller.records)?.expertId ?? s.body.model;
        base = { id: `chatcmpl-${s.routeId}`, object: 'chat.completion.chunk', created: Math.floor(s.createdAt / 1000), model };
        send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
        return base;
      };
      let ttftMs: number | null = null;
      try {
        for await (const delta of s.run.deltas) {
          ttftMs ??= performance.now() - s.t0;
          send({ ...(await opened()), choices: [{ index: 0, delta: deltaJson(delta), finish_reason: null }] });
        }
        const outcome = await s.run.result;
        const head = await opened();
        const routing = s.record(s.policy, s.run, outcome, null, ttftMs);
        const finish = { index: 0, delta: {}, finish_reason: answeringCall(outcome, s.caller.records)?.finishReason ?? 'stop' };
        if (includeUsage) {
          send({ ...head, choices: [finish] });
          send({ ...head, choices: [], usage: openAiUsage(totalUsage(s.caller.records)), routing });
        } else send({ ...head, choices: [finish], routing });
      } catch (e) {
        // The stream already started with 200: the error travels as an event and the record says so.
        const error = e instanceof ConclaveError ? e : new ConclaveError('stream failed', 500, 'gateway', 'server_error', 'internal_error');
        const routing = s.record(s.policy, s.run, null, error, ttftMs);
        send({ ...errorBody(error), routing });
      }
      controller.enqueue(encoder.encode('data: [DONE]\n\n'));
      controller.close();
    },
  });
  // c.newResponse keeps the headers already set on the context (x-route-id, x-ratelimit-*).
  return c.newResponse(stream, 200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
}

function samplingOf(body: ChatRequest): { maxTokens?: number; temperature?: number } {
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  return { ...(maxTokens != null ? { maxTokens } : {}), ...(body.temperature != null ? { temperature: body.temperature } : {}) };
}

function lastUserMessage(messages: ChatMessage[]): string {
  const prompt = lastUserContent(messages);
  if (prompt === null) throw new InvalidRequestError('messages must contain at least one user message', 'no_user_message', 'messages');
  return prompt;
}
