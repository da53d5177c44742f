import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExamples } from '../../scripts/lib/dataset';
import { startGateway, type RunningGateway } from '../support/gateway';

// Finished routes leave the gateway as OpenTelemetry traces (OTLP/HTTP JSON) and as webhook POSTs,
// batched, after the answers: the running gateway (wrangler dev) against a loopback receiver that
// holds its replies until the test has every answer, so an answer that waited for a sink could not
// have arrived.

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const BATCH = 4;
const SECRET = 'whsec-test';
const example = loadExamples('data/mmlu-pro-routing/dev.jsonl.gz')[42]!;

let gw: RunningGateway;
let receiver: Server;
const received: Received[] = [];
let release!: () => void;
const released = new Promise<void>((r) => (release = r));
/** Status of each webhook reply in turn (then 200): a failed send must be retried. */
const webhookReplies = [503];

async function startReceiver(): Promise<string> {
  receiver = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      void released.then(() => res.writeHead(req.url === '/hook' ? (webhookReplies.shift() ?? 200) : 200, { 'content-type': 'application/json' }).end('{}'));
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
}

async function waitFor(check: () => boolean, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error('timed out waiting for the receiver');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  const url = await startReceiver();
  gw = await startGateway({
    vars: {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${url}/v1/traces`,
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20collector-token',
      OTEL_SERVICE_NAME: 'conclave-test',
      ROUTE_WEBHOOK_URL: `${url}/hook`,
      ROUTE_WEBHOOK_SECRET: SECRET,
      EXPORT_BATCH_SIZE: String(BATCH),
      EXPORT_BATCH_MS: '2000',
    },
  });
}, 120_000);

afterAll(async () => {
  release();
  await gw?.stop();
  await new Promise((r) => receiver?.close(r));
});

const chat = (body: Record<string, unknown>) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: example.prompt }], ...body }),
  });

type Attr = { key: string; value: Record<string, unknown> };
type Span = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Attr[];
  status: { code: number };
};
const attr = (s: Span, key: string) => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v ? Object.values(v)[0] : undefined;
};

describe('traces and webhook out', () => {
  it('sends full batches after the answers, one span per route and per expert call, and a signed webhook retried on failure', async () => {
    const voters = ['gemini-1.5-pro-002', 'gemini-1.5-flash-002', 'Meta-Llama-3_1-70B-Instruct'];
    const answers = await Promise.all(
      Array.from({ length: BATCH }, () => chat({ model: 'auto', routing: { strategy: 'fixed', experts: voters, aggregate: 'vote' } })),
    );
    // Every answer arrived while the receiver was holding every reply.
    expect(answers.map((r) => r.status)).toEqual(Array(BATCH).fill(200));
    const routeIds = answers.map((r) => r.headers.get('x-route-id')!);
    await waitFor(() => received.some((r) => r.path === '/v1/traces') && received.some((r) => r.path === '/hook'));
    release();

    const traces = received.filter((r) => r.path === '/v1/traces');
    expect(traces).toHaveLength(1);
    expect(traces[0]!.headers.authorization).toBe('Bearer collector-token');
    expect(traces[0]!.headers['content-type']).toBe('application/json');
    const request = JSON.parse(traces[0]!.body) as { resourceSpans: { resource: { attributes: Attr[] }; scopeSpans: { spans: Span[] }[] }[] };
    expect(request.resourceSpans[0]!.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'conclave-test' } });
    const spans = request.resourceSpans[0]!.scopeSpans[0]!.spans;
    const routeSpans = spans.filter((s) => s.kind === 2);
    expect(routeSpans.map((s) => attr(s, 'conclave.route_id')).sort()).toEqual([...routeIds].sort());
    for (const route of routeSpans) {
      expect(route.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(route.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(route.status.code).toBe(1);
      expect(attr(route, 'conclave.policy')).toBe('auto');
      expect(Number(attr(route, 'gen_ai.usage.input_tokens'))).toBeGreaterThan(0);
      expect(attr(route, 'conclave.cost_usd')).toBeGreaterThan(0);
      const children = spans.filter((s) => s.parentSpanId === route.spanId);
      expect(children.map((s) => attr(s, 'conclave.expert')).sort()).toEqual([...voters].sort());
      for (const call of children) {
        expect(call.traceId).toBe(route.traceId);
        expect(call.kind).toBe(3);
        expect(attr(call, 'conclave.status')).toBe('ok');
        expect(Number(attr(call, 'gen_ai.usage.output_tokens'))).toBeGreaterThan(0);
        expect(BigInt(call.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(call.startTimeUnixNano));
        expect(BigInt(call.startTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(route.startTimeUnixNano));
      }
    }

    // The first webhook reply was a 503: the same batch came again.
    await waitFor(() => received.filter((r) => r.path === '/hook').length >= 2);
    const hooks = received.filter((r) => r.path === '/hook');
    expect(hooks).toHaveLength(2);
    expect(hooks[1]!.body).toBe(hooks[0]!.body);
    const { headers, body } = hooks[0]!;
    expect(headers['x-conclave-signature']).toBe(`v1=${createHmac('sha256', SECRET).update(`${headers['x-conclave-timestamp']}.${body}`).digest('hex')}`);
    const payload = JSON.parse(body) as { type: string; data: { id: string; policy: string; cost_usd: number; calls: { expert: string; status: string }[] }[] };
    expect(payload.type).toBe('routes.finished');
    expect(payload.data.map((r) => r.id).sort()).toEqual([...routeIds].sort());
    expect(payload.data[0]!.calls.map((c) => c.expert).sort()).toEqual([...voters].sort());
  });

  it('a batch that does not fill up is sent when its time is up', async () => {
    const before = received.filter((r) => r.path === '/hook').length;
    const res = await chat({ model: 'gemini-1.5-pro-002' });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-route-id')!;
    await waitFor(() => received.filter((r) => r.path === '/hook').length > before);
    const last = JSON.parse(received.filter((r) => r.path === '/hook').at(-1)!.body) as { data: { id: string }[] };
    expect(last.data.map((r) => r.id)).toEqual([id]);
  });
});
