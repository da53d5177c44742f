import { cli, numberFlag } from '../gpu-service/scripts/cli';
import { startGateway } from '../test/support/gateway';
import { measureTtft, registerExpert, runLoad } from './lib/load';
import { cpuPerRequest, printCpuTable } from './lib/cpu-table';
import { measureOverhead, type Spread, type Target, type TargetFigures } from './lib/overhead';
import { startPassthroughNode, startPassthroughWorker, startPeerProcess, startPortkey } from './lib/services';

// One run, side by side against the same loopback OpenAI peer: Conclave (a key made in the admin
// API; one expert, and `auto`) beside a pass-through Worker under the same wrangler dev, and
// Portkey's open-source gateway beside a pass-through Node server; then where each Worker's CPU goes
// per request (a CPU profile through its inspector), the load run that counts lost routing records,
// and time to first token per aggregation.

const USAGE = `npm run bench:gateway [-- --rounds R] [--requests N] [--seconds S] [--profile N] [--warm N] [--load N] [--json]

Gateway overhead beside a pass-through Worker and Portkey, CPU per request, lost routing records under
load and time to first token (README "Gateway overhead and load").

  --rounds R      rounds of the overhead comparison (default 5)
  --requests N    requests per target and round (default 200)
  --seconds S     seconds of each throughput run (default 5)
  --profile N     requests profiled per Worker for its CPU (default 300), after --warm N (default 2000)
  --load N        requests of the load run that counts lost routing records (default 10000)
  --json          end with one JSON line of the figures
  --help          this text`;
const flags = cli(USAGE, {
  rounds: { type: 'string', default: '5' },
  requests: { type: 'string', default: '200' },
  seconds: { type: 'string', default: '5' },
  profile: { type: 'string', default: '300' },
  warm: { type: 'string', default: '2000' },
  load: { type: 'string', default: '10000' },
  json: { type: 'boolean', default: false },
});
const count = (name: 'rounds' | 'requests' | 'seconds' | 'profile' | 'warm' | 'load', min = 1) =>
  numberFlag(USAGE, `--${name}`, flags[name]!, { integer: true, min });
const opts = { rounds: count('rounds'), requestsPerRound: count('requests'), seconds: count('seconds'), connections: [1, 50] };
const [profiled, warm, loadRequests] = [count('profile'), count('warm', 0), count('load')];

const messages = [{ role: 'user', content: 'What is 2 + 2? Answer with the number.' }];
const bodies = (extra: Record<string, unknown>) => ({
  body: JSON.stringify({ messages, ...extra }),
  streamBody: JSON.stringify({ messages, stream: true, ...extra }),
});

// Every process started is stopped on the way out, also when a start or a measurement fails.
const started: { stop(): Promise<void> }[] = [];
const start = async <T extends { stop(): Promise<void> }>(s: Promise<T>): Promise<T> => {
  const service = await s;
  started.push(service);
  return service;
};
// SIGTERM too: `timeout` sends it, and wrangler's processes outlived a bench it stopped, skewing later runs.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void Promise.all(started.map((s) => s.stop())).then(() => process.exit(130)));
try {
  const peer = await start(startPeerProcess());
  const gw = await start(startGateway({ seed: false }));
  const worker = await start(startPassthroughWorker(peer.url));
  // The same pass-through in a second wrangler dev: what it "adds" over the first is what two
  // identical Workers in two processes differ by on this host, the run's resolution.
  const twin = await start(startPassthroughWorker(peer.url));
  const node = await start(startPassthroughNode(peer.url));
  const portkey = await start(startPortkey());
  await registerExpert(gw, { id: 'peer-echo', provider: 'openai', model: 'echo', endpoint_url: peer.url, input_price_per_mtok: 1, output_price_per_mtok: 2 });
  const key = await storedKey(gw.url, gw.adminToken);
  const bearer = { authorization: `Bearer ${key}` };
  const targets: Target[] = [
    { name: 'pass-through Worker', floor: null, url: `${worker.url}/v1/chat/completions`, headers: {}, ...bodies({ model: 'echo' }) },
    { name: 'pass-through Worker, twin', floor: 'pass-through Worker', url: `${twin.url}/v1/chat/completions`, headers: {}, ...bodies({ model: 'echo' }) },
    { name: 'Conclave, one expert', floor: 'pass-through Worker', url: `${gw.url}/v1/chat/completions`, headers: bearer, ...bodies({ model: 'peer-echo' }) },
    {
      name: 'Conclave, auto (fixed)',
      floor: 'pass-through Worker',
      url: `${gw.url}/v1/chat/completions`,
      headers: bearer,
      ...bodies({ model: 'auto', routing: { strategy: 'fixed', experts: ['peer-echo'] } }),
    },
    { name: 'pass-through Node', floor: null, url: `${node.url}/v1/chat/completions`, headers: {}, ...bodies({ model: 'echo' }) },
    {
      name: 'Portkey 1.15.2',
      floor: 'pass-through Node',
      url: `${portkey.url}/v1/chat/completions`,
      headers: { authorization: 'Bearer sk-bench', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${peer.url}/v1` },
      ...bodies({ model: 'echo' }),
    },
  ];
  // Profiled first, on fresh processes: after the throughput runs wrangler dev's local proxy, which
  // also carries the inspector, has grown by hundreds of MB and can stall for minutes.
  const cpu = [];
  for (const [t, port] of [
    [targets[0]!, worker.inspectorPort],
    [targets[2]!, gw.inspectorPort],
    [targets[3]!, gw.inspectorPort],
  ] as const) {
    cpu.push(await cpuPerRequest(t, port, profiled, warm));
  }
  const figures = await measureOverhead(targets, opts, (line) => console.error(line));
  console.log(`\nOverhead side by side (${opts.rounds} rounds; ranges are min-max over rounds; the peer answers at once):\n`);
  printTable(figures);
  printGoals(figures);
  printCpuTable(cpu);

  const bench = { peer, gw, close: async () => undefined };
  const ttft = await measureTtft(bench);
  console.log('\ntime to first token, streamed over experts answering after 50 ms and 300 ms (synthesizer after 100 ms):');
  for (const t of ttft)
    console.log(
      `  ${t.aggregation.padEnd(11)} ttft p50 ${t.ttft.p50.toFixed(1)} ms  p99 ${t.ttft.p99.toFixed(1)} ms   whole stream p50 ${t.total.p50.toFixed(1)} ms`,
    );
  const load = await runLoad(bench, loadRequests, 100);
  console.log(`\nload: ${load.requests} requests at ${load.connections} concurrent (the DEV_API_KEY, one expert)`);
  console.log(
    `  throughput ${load.throughputRps} req/s, p50 ${load.latency.p50} ms, p99 ${load.latency.p99} ms, error rate ${(load.errorRate * 100).toFixed(2)}%`,
  );
  console.log(`  routes recorded ${load.routesRecorded} of ${load.okResponses} answered; lost ${load.lostRecords}`);
  if (flags.json) console.log(JSON.stringify({ overhead: figures, cpu, ttft, load }));
} finally {
  for (const s of started) await s.stop();
}

async function storedKey(url: string, adminToken: string): Promise<string> {
  const res = await fetch(`${url}/admin/api/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench' }),
  });
  if (res.status !== 201) throw new Error(`creating a key failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { key: string }).key;
}

function fmt(s: Spread | null, digits: number, unit = ''): string {
  if (!s) return '—';
  const f = (x: number) => `${x >= 0 && unit === ' ms' ? '+' : ''}${x.toFixed(digits)}`;
  return `${f(s.median)}${unit} (${f(s.min)}…${f(s.max)})`;
}

function printTable(figures: TargetFigures[]): void {
  console.log(
    '| | p50 / p90 / p99 | added p50 over its floor | req/s, 1 conn. (ratio to floor) | req/s, 50 conn. (ratio to floor) | first token p50 | added first token |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const f of figures) {
    const rps = (c: number) => `${f.rps[c]!.value.median.toFixed(0)}${f.rps[c]!.ratio ? ` (${fmt(f.rps[c]!.ratio, 2)})` : ''}`;
    const lat = `${f.latency.p50.toFixed(2)} / ${f.latency.p90.toFixed(2)} / ${f.latency.p99.toFixed(2)} ms`;
    console.log(
      `| ${f.name} | ${lat} | ${fmt(f.addedP50, 2, ' ms')} | ${rps(1)} | ${rps(50)} | ${f.ttft.p50.toFixed(2)} ms | ${fmt(f.addedTtftP50, 2, ' ms')} |`,
    );
  }
}

/** Issue #15's goals for Conclave, judged on the medians over rounds. */
function printGoals(figures: TargetFigures[]): void {
  console.log("\ngoals (median over rounds): added p50 <= 0.8 ms, >= 0.75 of the floor's req/s at 1 and 50 connections, first token <= +1 ms");
  for (const f of figures.filter((x) => x.name.startsWith('Conclave'))) {
    const checks = [f.addedP50!.median <= 0.8, f.rps[1]!.ratio!.median >= 0.75, f.rps[50]!.ratio!.median >= 0.75, f.addedTtftP50!.median <= 1];
    console.log(`  ${f.name}: ${checks.map((ok) => (ok ? 'met' : 'NOT met')).join(', ')}`);
  }
}
