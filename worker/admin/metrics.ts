import { Hono } from 'hono';
import { callTotals, recentLatencies, routeTotals, type Totals } from '../db/metrics';
import { createDb } from '../db/client';
import { listExpertRows } from '../db/experts';
import type { AppEnv } from '../env';
import { breakerStates } from '../resilience/breaker';
import { exposition, type Family, type Sample } from './prometheus';
import { percentile } from './stats';

/** Latency quantiles cover the routes of the last five minutes, like a client library's summary window. */
export const LATENCY_WINDOW_MS = 5 * 60_000;
const QUANTILES = [0.5, 0.9, 0.99];

function perOutcome(totals: Totals[], label: 'policy' | 'expert'): Sample[] {
  return totals.flatMap((t) => [
    { labels: { [label]: t.name, outcome: 'ok' }, value: t.ok },
    { labels: { [label]: t.name, outcome: 'failed' }, value: t.failed },
  ]);
}

function tokens(totals: Totals[], label: 'policy' | 'expert'): Sample[] {
  return totals.flatMap((t) => [
    { labels: { [label]: t.name, kind: 'prompt' }, value: t.promptTokens },
    { labels: { [label]: t.name, kind: 'completion' }, value: t.completionTokens },
  ]);
}

function latencySummary(byPolicy: Map<string, number[]>): Sample[] {
  return [...byPolicy].flatMap(([policy, sorted]) => [
    ...QUANTILES.map((q) => ({ labels: { policy, quantile: String(q) }, value: percentile(sorted, q * 100) ?? Number.NaN })),
    { suffix: '_sum' as const, labels: { policy }, value: sorted.reduce((s, x) => s + x, 0) },
    { suffix: '_count' as const, labels: { policy }, value: sorted.length },
  ]);
}

export async function gatewayMetrics(d1: D1Database, now = Date.now()): Promise<Family[]> {
  const [routes, calls, latencies, experts] = await Promise.all([
    routeTotals(d1),
    callTotals(d1),
    recentLatencies(d1, LATENCY_WINDOW_MS, now),
    listExpertRows(createDb(d1)),
  ]);
  const circuits = breakerStates();
  return [
    { name: 'conclave_routes_total', help: 'Routed requests by policy and outcome.', type: 'counter', samples: perOutcome(routes, 'policy') },
    {
      name: 'conclave_route_cost_usd_total',
      help: 'What routed requests cost, by policy (USD).',
      type: 'counter',
      samples: routes.map((t) => ({ labels: { policy: t.name }, value: t.costUsd })),
    },
    {
      name: 'conclave_route_tokens_total',
      help: 'Tokens of routed requests, every call summed, by policy.',
      type: 'counter',
      samples: tokens(routes, 'policy'),
    },
    { name: 'conclave_route_latency_ms', help: 'Route latency over the last 5 minutes, by policy (ms).', type: 'summary', samples: latencySummary(latencies) },
    {
      name: 'conclave_expert_calls_total',
      help: 'Expert calls (answering, aggregating, judging) by expert and outcome.',
      type: 'counter',
      samples: perOutcome(calls, 'expert'),
    },
    {
      name: 'conclave_expert_cost_usd_total',
      help: 'What expert calls cost, by expert (USD).',
      type: 'counter',
      samples: calls.map((t) => ({ labels: { expert: t.name }, value: t.costUsd })),
    },
    { name: 'conclave_expert_tokens_total', help: 'Tokens of expert calls by expert.', type: 'counter', samples: tokens(calls, 'expert') },
    {
      name: 'conclave_experts',
      help: 'Registered experts by state.',
      type: 'gauge',
      samples: [true, false].map((on) => ({ labels: { state: on ? 'enabled' : 'disabled' }, value: experts.filter((e) => e.enabled === on).length })),
    },
    {
      name: 'conclave_expert_circuit_open',
      help: "1 when this isolate's circuit breaker for the expert is open or half-open.",
      type: 'gauge',
      samples: experts.map((e) => ({ labels: { expert: e.id }, value: (circuits[e.id] ?? 'closed') === 'closed' ? 0 : 1 })),
    },
  ];
}

export const adminMetrics = new Hono<AppEnv>();

/** Prometheus text format; scrape with the admin bearer token. */
adminMetrics.get('/', async (c) => c.body(exposition(await gatewayMetrics(c.env.DB)), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }));
