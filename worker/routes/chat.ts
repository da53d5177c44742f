import { Hono, type Context } from 'hono';
import { ConclaveError, InvalidRequestError } from '../../router/errors';
import { lastUserMessage } from '../../router/messages';
import { startRoute, type RouteRun } from '../../router/pipeline';
import type { ChatMessage } from '../../router/types';
import { createDb } from '../db/client';
import { cacheTtlMs, type AppEnv } from '../env';
import { gatewayCaller } from '../gateway/adapters';
import { answeringCall, completionChoices, deltaJson, openAiUsage } from '../gateway/completion';
import { expertsForRequest } from '../gateway/features';
import { chatRequestSchema, expertParamsOf, normaliseMessages, type ChatRequest } from '../gateway/openai-schema';
import { parsePolicyHeader } from '../gateway/policies';
import { loadRegistry } from '../gateway/registry';
import { ResponseCache, type CachedAnswer } from '../gateway/response-cache';
import { routerState } from '../gateway/router-state';
import { totalUsage } from '../gateway/routing-summary';
import { answerId } from '../history/route-id';
import { requireApiKey } from '../http/auth';
import { errorBody } from '../http/errors';
import { clientClosedError, recordRoute, type RouteRecorder } from '../http/route-recorder';
import { sseData, sseResponse } from '../http/sse';
import { readJson } from '../http/validation';
import { KeyAdmission } from '../limits/admission';
import { expertsInScope, resolveScopedPolicy } from '../limits/enforce';
import { rateLimitHeaders } from '../limits/headers';
import { answerFromCache } from './cached-answer';

export const chatRoutes = new Hono<AppEnv>();

chatRoutes.post('/v1/chat/completions', requireApiKey, recordRoute, async (c) => {
  const route = c.get('route');
  const body = await readJson(c, chatRequestSchema);
  const messages = normaliseMessages(body);
  const params = expertParamsOf(body);
  const prompt = promptOf(messages);
  route.request = { model: body.model, stream: body.stream === true, prompt, messages };
  const headerPolicy = parsePolicyHeader(c.req.header('x-routing-policy'));
  const db = createDb(c.env.DB);
  const background = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  const [registry, router] = await Promise.all([loadRegistry(db, cacheTtlMs(c.env), background), routerState(db, cacheTtlMs(c.env), background)]);
  const key = c.get('apiKey');
  const policy = (route.policy = resolveScopedPolicy(key, registry, body.model, headerPolicy, body.routing));
  // Experts outside the key's scope do not exist for this request, whatever picks them.
  const inScope = expertsInScope(key, registry.experts);
  const caller = (route.caller = gatewayCaller(c.env, inScope));
  const admission = (route.admission = new KeyAdmission(c.env, key));
  const sayRate = () => {
    if (admission.rate) for (const [name, value] of Object.entries(rateLimitHeaders(admission.rate))) c.header(name, value);
  };
  const experts = expertsForRequest(inScope, policy, params, messages, body.stream === true);
  const cache = await ResponseCache.open(c.env, c.req.header('cache-control'), c.get('apiKeyId'), policy, body);
  const hit = await cache?.lookup();
  if (hit) {
    // Nothing is spent, but the request counts against the key's rate limit.
    await admission.admit(0);
    sayRate();
    return answerFromCache(c, route, body, hit);
  }
  if (cache) {
    route.cache = 'miss';
    c.header('x-conclave-cache', 'miss');
  }
  const remember = (answer: CachedAnswer) => cache && c.executionCtx.waitUntil(cache.store(answer));
  // A client that goes away stops the expert calls made for it.
  const gone = new AbortController();
  const signal = AbortSignal.any([c.req.raw.signal, gone.signal]);
  // The key's rate limit and budget are decided once the plan is known, before any expert is called.
  const routeEnv = {
    experts,
    strategies: router.strategies,
    aggregators: router.aggregators,
    caller,
    isHealthy: caller.isHealthy,
    configProblem: caller.configProblem,
    retryAfterMs: caller.retryAfterMs,
    admit: admission.admit,
  };
  const run = (route.run = await startRoute(
    { prompt, messages, stream: body.stream === true, ...samplingOf(body), ...(params ? { params } : {}) },
    policy,
    routeEnv,
    signal,
  ));
  sayRate();

  if (body.stream) return streamAnswer(c, route, body, run, gone, remember);
  const outcome = await run.result;
  const routing = route.finish(outcome, null, null);
  const answering = answeringCall(outcome, caller.records);
  const model = answering?.expertId ?? body.model;
  const choices = completionChoices(outcome, answering);
  remember({ route_id: route.id, model, choices });
  return c.json(
    {
      id: answerId(route.id),
      object: 'chat.completion',
      created: Math.floor(route.createdAt / 1000),
      model,
      choices,
      usage: openAiUsage(totalUsage(caller.records)),
      routing,
    },
    200,
    // Standard Server-Timing: what the gateway itself added, apart from waiting for experts.
    { 'server-timing': `gateway;dur=${routing.gateway_ms}, total;dur=${routing.latency_ms}` },
  );
});

/** SSE in OpenAI's chunk format; the last chunk carries usage (when asked) and `routing`. */
function streamAnswer(
  c: Context<AppEnv>,
  route: RouteRecorder,
  body: ChatRequest,
  run: RouteRun,
  gone: AbortController,
  remember: (answer: CachedAnswer) => void,
): Response {
  route.streaming = true;
  const caller = route.caller!;
  const includeUsage = body.stream_options?.include_usage === true;
  let ttftMs: number | null = null;
  // Chunks name the expert the answer comes from: the one streaming it, or (text pushed whole
  // after an aggregation) the winner, known by then. The role chunk leaves in the same event as
  // the first content, and the last chunks with [DONE]: each is one read by the client.
  let head: ChunkHead | null = null;
  const opening = async (): Promise<{ head: ChunkHead; role: unknown[] }> => {
    if (head) return { head, role: [] };
    const model = caller.streamedBy ?? answeringCall(await run.result, caller.records)?.expertId ?? body.model;
    head = { id: answerId(route.id), object: 'chat.completion.chunk', created: Math.floor(route.createdAt / 1000), model };
    return { head, role: [{ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }] };
  };
  async function* events(): AsyncGenerator<string, void> {
    let last: unknown[];
    try {
      for await (const delta of run.deltas) {
        ttftMs ??= route.elapsedMs;
        const { head, role } = await opening();
        yield sseData([...role, { ...head, choices: [{ index: 0, delta: deltaJson(delta), finish_reason: null }] }]);
      }
      const outcome = await run.result;
      const { head, role } = await opening();
      const routing = route.finish(outcome, null, ttftMs);
      const answering = answeringCall(outcome, caller.records);
      remember({ route_id: route.id, model: head.model, choices: completionChoices(outcome, answering) });
      const finish = { index: 0, delta: {}, finish_reason: answering?.finishReason ?? 'stop' };
      last = includeUsage
        ? [...role, { ...head, choices: [finish] }, { ...head, choices: [], usage: openAiUsage(totalUsage(caller.records)), routing }]
        : [...role, { ...head, choices: [finish], routing }];
    } catch (e) {
      // The stream already started with 200: the error travels as an event and the record says so.
      const error = e instanceof ConclaveError ? e : new ConclaveError('stream failed', 500, 'gateway', 'server_error', 'internal_error');
      const routing = route.finish(null, error, ttftMs);
      last = [{ ...errorBody(error), routing }];
    }
    yield sseData(last, true);
  }
  return sseResponse(c, events(), () => {
    route.clientClosed = true;
    gone.abort();
    // The calls end as the abort reaches them and only then say what they were: the record waits for them.
    c.executionCtx.waitUntil(run.result.then(noop, noop).then(() => route.finish(null, clientClosedError(), ttftMs)));
  });
}

function noop(): void {}

interface ChunkHead {
  id: string;
  object: string;
  created: number;
  model: string;
}

function samplingOf(body: ChatRequest): { maxTokens?: number; temperature?: number } {
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  return { ...(maxTokens != null ? { maxTokens } : {}), ...(body.temperature != null ? { temperature: body.temperature } : {}) };
}

function promptOf(messages: ChatMessage[]): string {
  const last = lastUserMessage(messages);
  if (!last) throw new InvalidRequestError('messages must contain at least one user message', 'no_user_message', 'messages');
  // Nothing to route or answer: the client's mistake, not an expert's failure to answer it.
  if (last.content.trim() === '' && !last.parts)
    throw new InvalidRequestError('the last user message is empty: it needs text or an image', 'empty_user_message', 'messages');
  return last.content;
}
