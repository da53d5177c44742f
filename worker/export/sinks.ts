import type { Env } from '../env';
import { exportBatchMs, exportBatchSize } from '../env';
import type { RouteRecord } from '../history/record';
import { Batcher } from './batcher';
import { otlpHeaders, otlpTraceRequest } from './otlp';
import { webhookRequest } from './webhook';

// Where finished route records go besides D1, each configured by vars: OpenTelemetry traces over
// OTLP/HTTP (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, the OTel SDKs' own variable names) and a webhook
// (ROUTE_WEBHOOK_URL). Both are batched per isolate and sent after the response (waitUntil).

const SEND_TIMEOUT_MS = 10_000;

async function post(url: string, body: string, headers: Record<string, string>): Promise<void> {
  const res = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(SEND_TIMEOUT_MS) });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
}

/** The sinks this configuration names; a batcher per sink lives as long as the isolate. */
const batchers = new Map<string, Batcher<RouteRecord>>();

function sinksOf(env: Env): Batcher<RouteRecord>[] {
  const opts = { maxItems: exportBatchSize(env), maxWaitMs: exportBatchMs(env) };
  const out: Batcher<RouteRecord>[] = [];
  const otlp = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (otlp) {
    const service = env.OTEL_SERVICE_NAME || 'conclave-gateway';
    out.push(
      cached(`otlp ${otlp} ${opts.maxItems} ${opts.maxWaitMs}`, () => {
        // Parsed once, when the batcher is made, not on every finished route.
        const headers = { 'content-type': 'application/json', ...otlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS) };
        return new Batcher(async (routes) => post(otlp, JSON.stringify(await otlpTraceRequest(routes, service)), headers), { name: 'otlp', ...opts });
      }),
    );
  }
  const hook = env.ROUTE_WEBHOOK_URL;
  if (hook) {
    const secret = env.ROUTE_WEBHOOK_SECRET;
    out.push(
      cached(
        `webhook ${hook} ${opts.maxItems} ${opts.maxWaitMs}`,
        () =>
          new Batcher(
            async (routes) => {
              const req = await webhookRequest(routes, secret);
              await post(hook, req.body, req.headers);
            },
            { name: 'webhook', ...opts },
          ),
      ),
    );
  }
  return out;
}

function cached(key: string, make: () => Batcher<RouteRecord>): Batcher<RouteRecord> {
  let b = batchers.get(key);
  if (!b) batchers.set(key, (b = make()));
  return b;
}

/** Hands a finished route to every configured sink; returns at once (the sends ride on waitUntil). */
export function emitRouteRecord(env: Env, waitUntil: (p: Promise<unknown>) => void, record: RouteRecord): void {
  for (const sink of sinksOf(env)) sink.add(record, waitUntil);
}
