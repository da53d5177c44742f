import { execFileSync } from 'node:child_process';
import { cli, numberFlag } from '../gpu-service/scripts/cli';
import { startGateway, type RunningGateway } from '../test/support/gateway';
import { queryLocalD1 } from '../test/support/local-d1';
import { DEFAULT_DATA, loadExamples } from './lib/dataset';
import { connectInspector, heapBytes, type Inspector } from './lib/inspector';
import { registerExpert } from './lib/load';
import { startPeerProcess } from './lib/services';

// Memory under a long mixed load: the replay experts (one named, and `auto` over them) on distinct
// recorded prompts, and an OpenAI-protocol endpoint expert (the loopback peer; a tenth of the mix
// streamed from it), through one gateway. Every answered request's route must be recorded.
// Samples the Worker's JS heap through its inspector (after garbage collection: workerd leaves
// HeapProfiler.collectGarbage unanswered, a heap snapshot collects first) and the resident memory of
// wrangler's processes. Goals (README): heap flat after warm-up (second half grows < 5% of the
// first), never above 64 MB; then `auto` over replay experts alone, in requests per second.

const USAGE = `npm run bench:soak [-- --requests N] [--connections C] [--samples S]

The gateway's memory under a long mixed load, every answered route recorded (README "Memory under a long load").

  --requests N      requests in all (default 20000)
  --connections C   concurrent connections (default 50)
  --samples S       heap and resident-memory samples over the run (default 20)
  --help            this text`;
const flags = cli(USAGE, {
  requests: { type: 'string', default: '20000' },
  connections: { type: 'string', default: '50' },
  samples: { type: 'string', default: '20' },
});
const REQUESTS = numberFlag(USAGE, '--requests', flags.requests!, { integer: true, min: 1 });
const CONNECTIONS = numberFlag(USAGE, '--connections', flags.connections!, { integer: true, min: 1 });
const SAMPLES = numberFlag(USAGE, '--samples', flags.samples!, { integer: true, min: 1 });
const prompts = loadExamples(DEFAULT_DATA).map((e) => e.prompt);

/**
 * Request `i` of the mix: 40% one replay expert, 30% `auto`, 20% the endpoint expert, 10% the
 * endpoint expert streamed. The peer streams its echo a word to an event, and wrangler dev's local
 * proxy forwards a pass-through Worker's long streams as slowly as the gateway's (7 req/s at 10
 * connections for ~130 events each): a streamed request echoes a prompt's first 12 words, or the
 * soak would measure the proxy.
 */
function bodyOf(i: number): string {
  const prompt = prompts[(i * 7919) % prompts.length]!;
  const slot = i % 20;
  const model = slot < 8 ? 'gemini-1.5-pro-002' : slot < 14 ? 'auto' : 'peer-echo';
  if (slot < 18) return JSON.stringify({ model, messages: [{ role: 'user', content: prompt }] });
  return JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: prompt.split(/\s+/).slice(0, 12).join(' ') }] });
}

/**
 * Resident MB of wrangler's processes: its node process, the workerd running the Worker (the one on
 * a port the OS picked) and the workerd of its local proxy (on the gateway's port).
 */
function rssMb(gw: RunningGateway): Record<string, number> {
  const out = execFileSync('ps', ['-o', 'rss=,args=', '-g', String(gw.pid)], { encoding: 'utf8' });
  const rss: Record<string, number> = {};
  for (const line of out.trim().split('\n')) {
    const [kb, ...argv] = line.trim().split(/\s+/);
    const args = argv.join(' ');
    const name = /workerd/.test(argv[0] ?? '') ? (args.includes('entry=127.0.0.1:0') ? 'worker' : 'proxy') : /wrangler-dist/.test(args) ? 'wrangler' : null;
    if (name) rss[name] = (rss[name] ?? 0) + Math.round(Number(kb) / 1024);
  }
  return rss;
}

async function heapAfterGcMb(inspector: Inspector): Promise<number> {
  await inspector.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  return (await heapBytes(inspector)).used / 2 ** 20;
}

/** Answers by status; a failed one under its status and error code (`503 circuit_open`), so the table says what failed. */
async function drive(gw: RunningGateway, from: number, to: number, body: (i: number) => string): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  let next = from;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < to) {
        const i = next++;
        const status = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${gw.apiKey}`, 'content-type': 'application/json' },
          body: body(i),
        })
          .then(async (res) => {
            const text = await res.text();
            if (res.status === 200) return '200';
            // Not the Worker's JSON error (wrangler dev's proxy answers some itself): its first words.
            const code = /"code":"([\w-]+)"/.exec(text)?.[1] ?? JSON.stringify(text.slice(0, 80));
            return `${res.status} ${code}`;
          })
          .catch(() => 'no answer');
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  return statuses;
}

const peer = await startPeerProcess();
const gw = await startGateway({ seed: true });
// Stopped on SIGINT and SIGTERM too (`timeout` sends it): wrangler's processes otherwise outlive the bench.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void Promise.all([gw.stop(), peer.stop()]).then(() => process.exit(130)));
try {
  await registerExpert(gw, { id: 'peer-echo', provider: 'openai', model: 'echo', endpoint_url: peer.url, input_price_per_mtok: 1, output_price_per_mtok: 2 });
  const inspector = await connectInspector(gw.inspectorPort);
  const step = Math.ceil(REQUESTS / SAMPLES);
  const samples: { requests: number; rps: number; heapMb: number; heapAfterGcMb: number; rss: Record<string, number>; statuses: Record<string, number> }[] = [];
  console.log(
    `soak: ${REQUESTS} requests at ${CONNECTIONS} connections (40% replay expert, 30% auto, 20% endpoint expert, 10% streamed from it), a sample every ${step}`,
  );
  for (let done = 0; done < REQUESTS; done += step) {
    const t0 = performance.now();
    const statuses = await drive(gw, done, Math.min(REQUESTS, done + step), bodyOf);
    const rps = Math.round((Math.min(REQUESTS, done + step) - done) / ((performance.now() - t0) / 1000));
    const heapMb = (await heapBytes(inspector)).used / 2 ** 20;
    const s = { requests: Math.min(REQUESTS, done + step), rps, heapMb, heapAfterGcMb: await heapAfterGcMb(inspector), rss: rssMb(gw), statuses };
    samples.push(s);
    console.log(
      `${String(s.requests).padStart(6)} req  ${String(rps).padStart(4)} req/s  heap ${heapMb.toFixed(1).padStart(5)} MB (after GC ${s.heapAfterGcMb.toFixed(1).padStart(5)})  rss ${JSON.stringify(s.rss)}  ${JSON.stringify(statuses)}`,
    );
  }
  const half = Math.floor(samples.length / 2);
  // The first sample is warm-up, when there are enough to spare it.
  const first = samples.slice(half > 1 ? 1 : 0, Math.max(half, 1)).map((s) => s.heapAfterGcMb);
  const second = samples.slice(half).map((s) => s.heapAfterGcMb);
  const growth = (xs: number[]) => (xs.length > 1 ? xs[xs.length - 1]! - xs[0]! : 0);
  const peak = Math.max(...samples.map((s) => s.heapMb));
  console.log(
    `heap after GC: first half ${Math.min(...first).toFixed(1)}-${Math.max(...first).toFixed(1)} MB (growth ${growth(first).toFixed(1)}), second half ${Math.min(...second).toFixed(1)}-${Math.max(...second).toFixed(1)} MB (growth ${growth(second).toFixed(1)}); peak sampled ${peak.toFixed(1)} MB (goal: flat, never above 64 MB)`,
  );
  // Every answered request has its route; records are counted once writes settle.
  const answered = samples.reduce((n, s) => n + (s.statuses['200'] ?? 0), 0);
  const routes = () => queryLocalD1<{ n: number }>(gw.persistDir, 'select count(*) as n from routes')[0]!.n;
  let recorded = routes();
  for (let i = 0; i < 20 && recorded < answered; i++) {
    await new Promise((r) => setTimeout(r, 500));
    recorded = routes();
  }
  console.log(`routes recorded: ${recorded} of ${answered} answered; lost ${Math.max(0, answered - recorded)}`);
  const autoN = Math.min(2_000, Math.ceil(REQUESTS / 4));
  const autoBody = (i: number) => JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: prompts[(i * 104_729) % prompts.length]! }] });
  const t0 = performance.now();
  const autoStatuses = await drive(gw, 0, autoN, autoBody);
  console.log(
    `auto over the replay experts: ${Math.round(autoN / ((performance.now() - t0) / 1000))} req/s over ${autoN} distinct recorded prompts at ${CONNECTIONS} connections ${JSON.stringify(autoStatuses)} (goal: >= 100)`,
  );
  inspector.close();
} finally {
  await gw.stop();
  await peer.stop();
}
