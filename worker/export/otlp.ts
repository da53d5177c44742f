import type { CallRecord, RouteRecord } from '../history/record';
import { sha256Hex } from '../../router/hex';
import { reportConfigOnce } from '../env';

// OpenTelemetry traces over OTLP/HTTP with JSON bodies (opentelemetry-proto's JSON mapping: ids as
// hex, times as decimal nanosecond strings). One SERVER span per route and one CLIENT span per
// expert call under it, with the GenAI semantic conventions' token attributes. Ids come from the
// route id, so a route exported twice is the same trace, and an operator can go from one to the other.

type AnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };
interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: 2 | 3;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  status: { code: 1 | 2; message?: string };
}

const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;
const STATUS_OK = 1;
const STATUS_ERROR = 2;

function attributes(values: Record<string, string | number | boolean | null | undefined>): KeyValue[] {
  return Object.entries(values).flatMap(([key, v]): KeyValue[] => {
    if (v === null || v === undefined) return [];
    if (typeof v === 'string') return [{ key, value: { stringValue: v } }];
    if (typeof v === 'boolean') return [{ key, value: { boolValue: v } }];
    return [{ key, value: Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v } }];
  });
}

async function hexDigest(text: string, hexChars: number): Promise<string> {
  return (await sha256Hex(text)).slice(0, hexChars);
}

/** Milliseconds (fractional) since the epoch as nanoseconds, exactly, as OTLP's uint64 string. */
function nanos(ms: number): string {
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}

async function callSpan(r: RouteRecord, c: CallRecord, i: number, traceId: string, parentSpanId: string): Promise<OtlpSpan> {
  return {
    traceId,
    spanId: await hexDigest(`${r.id}:call:${i}`, 16),
    parentSpanId,
    name: `${c.role} ${c.expertId}`,
    kind: SPAN_KIND_CLIENT,
    startTimeUnixNano: nanos(c.startedAt),
    endTimeUnixNano: nanos(c.startedAt + c.latencyMs),
    attributes: attributes({
      'conclave.route_id': r.id,
      'conclave.policy': r.policy,
      'conclave.expert': c.expertId,
      'gen_ai.request.model': c.expertId,
      'conclave.role': c.role,
      'conclave.stage': c.stage,
      'conclave.attempts': c.attempts,
      'conclave.status': c.status,
      'gen_ai.usage.input_tokens': c.usage.promptTokens,
      'gen_ai.usage.output_tokens': c.usage.completionTokens,
      'conclave.cost_usd': c.costUsd,
      'error.type': c.error ? c.error.source : undefined,
      'http.response.status_code': c.error?.upstreamStatus || undefined,
    }),
    status: c.status === 'ok' ? { code: STATUS_OK } : { code: STATUS_ERROR, message: c.error?.message ?? c.status },
  };
}

/** A route and its calls as spans: the route span first, its calls as its children. */
export async function routeSpans(r: RouteRecord): Promise<OtlpSpan[]> {
  const traceId = await hexDigest(`${r.id}:trace`, 32);
  const spanId = await hexDigest(`${r.id}:route`, 16);
  const route: OtlpSpan = {
    traceId,
    spanId,
    name: `route ${r.policy}`,
    kind: SPAN_KIND_SERVER,
    startTimeUnixNano: nanos(r.createdAt),
    endTimeUnixNano: nanos(r.createdAt + r.latencyMs),
    attributes: attributes({
      'conclave.route_id': r.id,
      'conclave.model': r.model,
      'conclave.policy': r.policy,
      'conclave.strategy': r.strategy,
      'conclave.aggregation': r.aggregation,
      'conclave.api_key_id': r.apiKeyId,
      'conclave.status': r.status,
      'conclave.stream': r.stream,
      'conclave.experts_called': r.calls.filter((c) => c.role === 'expert').length,
      'gen_ai.usage.input_tokens': r.usage.promptTokens,
      'gen_ai.usage.output_tokens': r.usage.completionTokens,
      'conclave.cost_usd': r.costUsd,
      'http.response.status_code': r.httpStatus,
      'error.type': r.error?.code,
    }),
    status: r.status === 'ok' ? { code: STATUS_OK } : { code: STATUS_ERROR, message: r.error?.message ?? 'error' },
  };
  return [route, ...(await Promise.all(r.calls.map((c, i) => callSpan(r, c, i, traceId, spanId))))];
}

/** One ExportTraceServiceRequest for a batch of routes. */
export async function otlpTraceRequest(routes: readonly RouteRecord[], serviceName: string) {
  return {
    resourceSpans: [
      {
        resource: { attributes: attributes({ 'service.name': serviceName, 'telemetry.sdk.language': 'webjs' }) },
        scopeSpans: [{ scope: { name: 'conclave.gateway', version: '0.1.0' }, spans: (await Promise.all(routes.map(routeSpans))).flat() }],
      },
    ],
  };
}

/** `OTEL_EXPORTER_OTLP_HEADERS`: `key=value,key2=value2`, values URL-encoded (the OTel spec's format). */
export function otlpHeaders(spec: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (spec ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const name = pair.slice(0, at).trim();
    out[name] = percentDecoded(name, pair.slice(at + 1).trim());
  }
  return out;
}

/**
 * A header value decoded, or as written when it is not valid percent-encoding (a token with a bare
 * `%`): read when a finished route makes the trace exporter, a throw here failed that request and,
 * the exporter never made, every one after it. Logged naming the header, not the value, which is a
 * secret.
 */
function percentDecoded(header: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    reportConfigOnce(`OTEL_EXPORTER_OTLP_HEADERS: the value of '${header}' is not valid percent-encoding (a bare %?)`, 'the value as written');
    return value;
  }
}
