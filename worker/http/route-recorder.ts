import type { Context, MiddlewareHandler } from 'hono';
import { ConclaveError } from '../../router/errors';
import type { RouteOutcome, RouteRun } from '../../router/pipeline';
import type { RoutingPolicy } from '../../router/policy';
import type { AppEnv } from '../env';
import type { RecordingCaller } from '../gateway/caller';
import { summarise, totalCost, totalUsage, type RoutingSummary } from '../gateway/routing-summary';
import { historyChaosRate } from '../db/chaos';
import { emitRouteRecord } from '../export/sinks';
import { enqueueRouteRecord } from '../history/batcher';
import { UNRESOLVED_STRATEGY, type RouteRecord } from '../history/record';
import { newRouteId } from '../history/route-id';
import type { KeyAdmission } from '../limits/admission';

/**
 * What a /v1 handler learns about its route as it goes, written once when the route is over: the
 * history record (batched, off the critical path), the key's budget settled, the finished-route
 * sinks. The middleware names the route on every response and records whatever the handler did
 * not finish itself: an error thrown at any point, after the request's body was read.
 */
export class RouteRecorder {
  readonly id: string;
  readonly createdAt = Date.now();
  private readonly t0 = performance.now();
  private finished: RoutingSummary | null = null;
  /** The validated request, once read: without it there is nothing to record. */
  request: { model: string; stream: boolean; prompt: string; messages: unknown[] } | null = null;
  policy: RoutingPolicy | null = null;
  run: RouteRun | null = null;
  caller: RecordingCaller | null = null;
  admission: KeyAdmission | null = null;
  /** Set by a handler that answers with a stream: it finishes the record when the stream ends. */
  streaming = false;
  /** The client cancelled the response's stream: whatever error that caused downstream, the route failed because it left. */
  clientClosed = false;
  /** The aggregation name to record when there is no routing run (embeddings, cache hits). */
  aggregation: string | null = null;
  /** What the exact-match response cache did for this request, when it was consulted. */
  cache: 'hit' | 'miss' | null = null;

  constructor(private readonly c: Context<AppEnv>) {
    this.id = newRouteId(this.createdAt);
  }

  get elapsedMs(): number {
    return performance.now() - this.t0;
  }

  /** Builds the routing summary and hands the record on; later calls return the first summary. */
  finish(outcome: RouteOutcome | null, error: unknown, ttftMs: number | null): RoutingSummary {
    if (this.finished) return this.finished;
    const req = this.request ?? { model: '', stream: false, prompt: '', messages: [] };
    const latencyMs = this.elapsedMs;
    const calls = this.caller?.records ?? [];
    const decision = this.run?.decision ?? { strategy: this.policy?.strategy ?? UNRESOLVED_STRATEGY, ranked: [], stages: [] };
    const effective = this.policy ?? { name: req.model, strategy: 'fixed' as const, aggregate: 'first' as const };
    const summary = summarise({ routeId: this.id, policy: effective, decision, calls, outcome, latencyMs, ttftMs });
    const routing = this.cache ? { ...summary, cache: this.cache } : summary;
    this.finished = routing;
    // A client that goes away aborts its request's signal, which ends the calls made for it: whatever
    // error that caused downstream, the route failed because the client left.
    const cause = error && (this.clientClosed || this.c.req.raw.signal.aborted) ? clientClosedError() : error;
    const err = cause instanceof ConclaveError ? cause : cause ? new ConclaveError(String(cause), 500, 'gateway', 'server_error', 'internal_error') : null;
    const entry: RouteRecord = {
      id: this.id,
      createdAt: this.createdAt,
      apiKeyId: this.c.get('apiKeyId'),
      model: req.model,
      policy: effective.name,
      strategy: decision.strategy,
      aggregation: this.aggregation ?? routing.aggregation,
      policyJson: { ...effective },
      prompt: req.prompt,
      messages: req.messages,
      response: outcome?.aggregation.text ?? null,
      stream: req.stream,
      status: err ? 'error' : 'ok',
      httpStatus: err ? err.status : 200,
      error: err ? { code: err.code, message: err.message, source: err.source } : null,
      latencyMs,
      ttftMs,
      usage: totalUsage(calls),
      costUsd: totalCost(calls),
      decision: this.run ? { ranked: decision.ranked, stages: decision.stages, ...(decision.info ? { info: decision.info } : {}) } : null,
      aggregationDetail: outcome
        ? { winner: outcome.aggregation.winner ?? null, tally: outcome.aggregation.tally ?? null, ...outcome.aggregation.detail }
        : null,
      calls: [...calls],
      cache: this.cache,
    };
    const waitUntil = (p: Promise<unknown>) => this.c.executionCtx.waitUntil(p);
    enqueueRouteRecord(this.c.env.DB, entry, waitUntil, { chaosFailureRate: historyChaosRate(this.c.env, this.c.req.url) });
    emitRouteRecord(this.c.env, waitUntil, entry);
    const settled = this.admission?.settle(entry.costUsd);
    if (settled) waitUntil(settled);
    return routing;
  }
}

/** The route's client went away before its answer was whole (its connection, or its stream, closed). */
export function clientClosedError(): ConclaveError {
  return new ConclaveError('the client closed the connection', 499, 'client', 'invalid_request_error', 'client_closed');
}

export const recordRoute: MiddlewareHandler<AppEnv> = async (c, next) => {
  const route = new RouteRecorder(c);
  c.set('route', route);
  // Every response, an error included, names its route.
  c.header('x-route-id', route.id);
  await next();
  if (route.request && (c.error || !route.streaming)) route.finish(null, c.error ?? null, null);
};
