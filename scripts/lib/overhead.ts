import autocannon from 'autocannon';
import { seededRandom, shuffled } from '../../router/features/random';

// Side-by-side overhead figures: every target is timed in the same run, interleaved, so each sees
// the same machine state; each gateway is compared with its own pass-through floor, per round, and
// the figures are reported as ratios with their range over rounds (a shared machine is noisy).

export interface Target {
  name: string;
  /** The pass-through this target's overhead is measured against (null for a floor itself). */
  floor: string | null;
  url: string;
  headers: Record<string, string>;
  body: string;
  streamBody: string;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface TargetFigures {
  name: string;
  floor: string | null;
  latency: { p50: number; p90: number; p99: number };
  /** p50 minus the floor's p50, per round. */
  addedP50: Spread | null;
  rps: Record<number, { value: Spread; ratio: Spread | null }>;
  ttft: { p50: number };
  addedTtftP50: Spread | null;
}

export interface OverheadOptions {
  rounds: number;
  requestsPerRound: number;
  seconds: number;
  connections: number[];
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function spread(values: number[]): Spread {
  return { median: percentile(values, 50), min: Math.min(...values), max: Math.max(...values) };
}

/**
 * Idle time before each throughput run: a Worker finishes after its last answer (history batches,
 * garbage collection), and that work would otherwise land in the next target's seconds.
 */
const SETTLE_MS = 1_000;

async function timeJson(t: Target): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...t.headers }, body: t.body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${t.name}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return performance.now() - t0;
}

/** Client-side ms to the first chunk that carries answer text (a role-only opener does not count). */
async function timeFirstToken(t: Target): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...t.headers }, body: t.streamBody });
  if (res.status !== 200 || !res.body) throw new Error(`${t.name}: HTTP ${res.status} ${await res.text()}`);
  const decoder = new TextDecoder();
  let text = '';
  let ttft = NaN;
  for await (const chunk of res.body) {
    text += decoder.decode(chunk, { stream: true });
    if (Number.isNaN(ttft) && /"content":"[^"]/.test(text)) ttft = performance.now() - t0;
  }
  if (Number.isNaN(ttft)) throw new Error(`${t.name}: the stream carried no content: ${text.slice(0, 300)}`);
  return ttft;
}

/**
 * Samples per target per round from `measure`, targets interleaved request by request in a new
 * order each time: a target's request is slowed by what the one before it left running
 * (a Worker's work after its answer, a 25 ms sleep's idle gap), and a rotation keeps the same
 * target before each one, which biased one target against another by up to 2 ms.
 */
async function interleaved(targets: Target[], opts: OverheadOptions, measure: (t: Target) => Promise<number>): Promise<Map<string, number[][]>> {
  const out = new Map(targets.map((t) => [t.name, [] as number[][]]));
  const order = requestOrder(targets, opts.rounds * opts.requestsPerRound);
  for (let r = 0; r < opts.rounds; r++) {
    for (const t of targets) out.get(t.name)!.push([]);
    for (let i = 0; i < opts.requestsPerRound; i++) {
      for (const t of order[r * opts.requestsPerRound + i]!) out.get(t.name)![r]!.push(await measure(t));
    }
  }
  return out;
}

/** `cycles` orders of `items`, each one shuffled (seeded, so runs compare): no item always follows the same one. */
export function requestOrder<T>(items: readonly T[], cycles: number): T[][] {
  const rand = seededRandom(1);
  return Array.from({ length: cycles }, () => shuffled(items, rand));
}

async function requestsPerSecond(t: Target, connections: number, seconds: number): Promise<number> {
  const result = await autocannon({
    url: t.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...t.headers },
    body: t.body,
    connections,
    duration: seconds,
    timeout: 30,
  });
  const failed = result.requests.total - result['2xx'];
  if (failed > result.requests.total * 0.01)
    throw new Error(
      `${t.name}: ${failed} of ${result.requests.total} requests failed at ${connections} connections (${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} not 2xx)`,
    );
  return result['2xx'] / seconds;
}

/** Per-round figure of a target relative to its floor's in the same round. */
function perRound(samples: Map<string, number[]>, t: Target, relate: (mine: number, floor: number) => number): Spread | null {
  if (!t.floor) return null;
  const mine = samples.get(t.name)!;
  const floor = samples.get(t.floor)!;
  return spread(mine.map((m, r) => relate(m, floor[r]!)));
}

export async function measureOverhead(targets: Target[], opts: OverheadOptions, log: (line: string) => void = () => undefined): Promise<TargetFigures[]> {
  // warm-up
  for (const t of targets) {
    for (let i = 0; i < 30; i++) {
      await timeJson(t);
      await timeFirstToken(t);
    }
  }
  log(`latency: ${opts.rounds} rounds x ${opts.requestsPerRound} sequential requests per target`);
  const latency = await interleaved(targets, opts, timeJson);
  log(`streaming time to first token: ${opts.rounds} rounds x ${opts.requestsPerRound} per target`);
  const ttft = await interleaved(targets, opts, timeFirstToken);
  const rps = new Map<number, Map<string, number[]>>();
  for (const c of opts.connections) {
    log(`throughput at ${c} connection(s): ${opts.rounds} rounds x ${opts.seconds} s per target`);
    const byTarget = new Map(targets.map((t) => [t.name, [] as number[]]));
    const order = requestOrder(targets, opts.rounds);
    for (let r = 0; r < opts.rounds; r++) {
      for (const t of order[r]!) {
        await new Promise((settled) => setTimeout(settled, SETTLE_MS));
        byTarget.get(t.name)!.push(await requestsPerSecond(t, c, opts.seconds));
      }
    }
    rps.set(c, byTarget);
  }
  const p50s = (m: Map<string, number[][]>) => new Map([...m].map(([name, rounds]) => [name, rounds.map((s) => percentile(s, 50))]));
  const latencyP50 = p50s(latency);
  const ttftP50 = p50s(ttft);
  return targets.map((t) => {
    const all = latency.get(t.name)!.flat();
    return {
      name: t.name,
      floor: t.floor,
      latency: { p50: percentile(all, 50), p90: percentile(all, 90), p99: percentile(all, 99) },
      addedP50: perRound(latencyP50, t, (m, f) => m - f),
      rps: Object.fromEntries(opts.connections.map((c) => [c, { value: spread(rps.get(c)!.get(t.name)!), ratio: perRound(rps.get(c)!, t, (m, f) => m / f) }])),
      ttft: { p50: percentile(ttft.get(t.name)!.flat(), 50) },
      addedTtftP50: perRound(ttftP50, t, (m, f) => m - f),
    };
  });
}
