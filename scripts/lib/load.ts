import autocannon from 'autocannon';
import { percentile } from './overhead';
import { startOpenAiPeer } from '../../test/support/openai-peer';
import { startGateway, type RunningGateway } from '../../test/support/gateway';
import { queryLocalD1 } from '../../test/support/local-d1';

// Load through the gateway: throughput, tail latency, errors and lost routing records, and time to
// first token per aggregation. (Overhead side by side with other gateways: overhead.ts.)

export interface LoadFigures {
  requests: number;
  connections: number;
  throughputRps: number;
  latency: { p50: number; p99: number };
  addedLatency: { p50: number; p99: number };
  errorRate: number;
  /** Response count per HTTP status; `timeouts` and `errors` are requests that got none. */
  statusCodes: Record<string, number>;
  okResponses: number;
  routesRecorded: number;
  lostRecords: number;
}

export interface Bench {
  peer: { url: string };
  gw: RunningGateway;
  close(): Promise<void>;
}

/** A loopback peer and a gateway with the peer registered as expert `peer-echo`. */
export async function startBench(vars: Record<string, string> = {}): Promise<Bench> {
  const peer = await startOpenAiPeer();
  const gw = await startGateway({ seed: false, vars });
  await registerExpert(gw, { id: 'peer-echo', provider: 'openai', model: 'echo', endpoint_url: peer.url, input_price_per_mtok: 1, output_price_per_mtok: 2 });
  return {
    peer,
    gw,
    close: async () => {
      await gw.stop();
      await peer.close();
    },
  };
}

export async function registerExpert(gw: RunningGateway, expert: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${gw.url}/admin/api/experts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(expert),
  });
  if (res.status !== 201) throw new Error(`registering ${String(expert['id'])} failed: ${res.status} ${await res.text()}`);
}

const body = JSON.stringify({ model: 'echo', messages: [{ role: 'user', content: 'What is 2 + 2? Answer with the number.' }] });
const gatewayBody = body.replace('"echo"', '"peer-echo"');

function p50p99(samples: number[]): { p50: number; p99: number } {
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function cannon(url: string, payload: string, headers: Record<string, string>, amount: number, connections: number) {
  return autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload, amount, connections, timeout: 30 });
}

function countRoutes(gw: RunningGateway): number {
  return queryLocalD1<{ n: number }>(gw.persistDir, 'select count(*) as n from routes')[0]!.n;
}

/** `requests` at `connections` concurrent through the gateway; records counted once writes settle. */
export async function runLoad(b: Bench, requests = 10_000, connections = 100): Promise<LoadFigures> {
  const direct = await cannon(`${b.peer.url}/v1/chat/completions`, body, {}, Math.min(requests, 5_000), connections);
  const before = countRoutes(b.gw);
  const result = await cannon(`${b.gw.url}/v1/chat/completions`, gatewayBody, { authorization: `Bearer ${b.gw.apiKey}` }, requests, connections);
  const ok = result['2xx'];
  let recorded = countRoutes(b.gw) - before;
  for (let i = 0; i < 20 && recorded < ok; i++) {
    await new Promise((r) => setTimeout(r, 500));
    recorded = countRoutes(b.gw) - before;
  }
  const sent = result.requests.sent;
  return {
    requests: sent,
    connections,
    throughputRps: Math.round(result.requests.average),
    latency: { p50: result.latency.p50, p99: result.latency.p99 },
    addedLatency: { p50: result.latency.p50 - direct.latency.p50, p99: result.latency.p99 - direct.latency.p99 },
    errorRate: (sent - ok) / sent,
    statusCodes: {
      ...Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, v]) => [code, v.count])),
      timeouts: result.timeouts,
      errors: result.errors,
    },
    okResponses: ok,
    routesRecorded: recorded,
    lostRecords: Math.max(0, ok - recorded),
  };
}

export interface TtftFigures {
  aggregation: string;
  /** Client-side ms to the first content delta, and to the end of the stream. */
  ttft: { p50: number; p99: number };
  total: { p50: number; p99: number };
}

/** Peer experts with known delays: the first byte of `fast` after 50 ms, `slow` after 300 ms, the synthesizer's after 100 ms. */
const TTFT_EXPERTS = { 'ttft-fast': 'slow-50', 'ttft-slow': 'slow-300', 'ttft-synth': 'slow-100' } as const;

/**
 * Time to first token per aggregation, streamed through the gateway over two experts of known
 * delay: `first` can stream after the fast one, votes only after both, a synthesis after both plus
 * the synthesizer's own first byte.
 */
export async function measureTtft(b: Bench, requests = 20): Promise<TtftFigures[]> {
  for (const [id, model] of Object.entries(TTFT_EXPERTS)) await registerExpert(b.gw, { id, provider: 'openai', model, endpoint_url: b.peer.url });
  const routings = { first: {}, vote: {}, synthesize: { aggregator: 'ttft-synth' } } as const;
  const out: TtftFigures[] = [];
  for (const [aggregation, extra] of Object.entries(routings)) {
    const routing = { strategy: 'fixed', experts: ['ttft-fast', 'ttft-slow'], aggregate: aggregation, ...extra };
    const payload = JSON.stringify({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'What is 2 + 2? Answer with the number.' }], routing });
    const ttft: number[] = [];
    const total: number[] = [];
    for (let i = 0; i < requests; i++) {
      const t = await timeStream(`${b.gw.url}/v1/chat/completions`, payload, b.gw.apiKey);
      ttft.push(t.ttftMs);
      total.push(t.totalMs);
    }
    out.push({ aggregation, ttft: p50p99(ttft), total: p50p99(total) });
  }
  return out;
}

async function timeStream(url: string, payload: string, auth: string): Promise<{ ttftMs: number; totalMs: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` }, body: payload });
  if (res.status !== 200 || !res.body) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  const decoder = new TextDecoder();
  let ttftMs = NaN;
  let text = '';
  for await (const chunk of res.body) {
    text += decoder.decode(chunk, { stream: true });
    // The first chunk with content text (the role-only opener does not count).
    if (Number.isNaN(ttftMs) && /"content":"[^"]/.test(text)) ttftMs = performance.now() - t0;
  }
  return { ttftMs, totalMs: performance.now() - t0 };
}
