import { measureAddedLatency, measureTtft, runLoad, startBench } from './lib/load';

// `npm run bench:gateway [-- --json] [--requests N] [--connections C] [--sequential N]`

const args = process.argv.slice(2);
const num = (flag: string, fallback: number) => {
  const i = args.indexOf(flag);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};

const bench = await startBench();
try {
  const latency = await measureAddedLatency(bench, num('--sequential', 1000));
  const ttft = await measureTtft(bench);
  const load = await runLoad(bench, num('--requests', 10_000), num('--connections', 100));
  const ms = (x: number) => `${x.toFixed(2)} ms`;
  console.log(`added latency over a direct call (${latency.requests} sequential requests):`);
  console.log(`  direct   p50 ${ms(latency.direct.p50)}  p99 ${ms(latency.direct.p99)}`);
  console.log(`  gateway  p50 ${ms(latency.gateway.p50)}  p99 ${ms(latency.gateway.p99)}`);
  console.log(`  added    p50 ${ms(latency.added.p50)}  p99 ${ms(latency.added.p99)}`);
  console.log(`  of which the Worker's own time (Server-Timing) p50 ${ms(latency.workerOwn.p50)}  p99 ${ms(latency.workerOwn.p99)}; the rest is the local runtime`);
  console.log(`  a bare GET /health through the same local runtime: p50 ${ms(latency.health.p50)}  p99 ${ms(latency.health.p99)}`);
  console.log('time to first token, streamed over experts answering after 50 ms and 300 ms (synthesizer after 100 ms):');
  for (const t of ttft) console.log(`  ${t.aggregation.padEnd(11)} ttft p50 ${ms(t.ttft.p50)}  p99 ${ms(t.ttft.p99)}   whole stream p50 ${ms(t.total.p50)}`);
  console.log(`load: ${load.requests} requests at ${load.connections} concurrent`);
  console.log(`  throughput ${load.throughputRps} req/s, p50 ${load.latency.p50} ms, p99 ${load.latency.p99} ms`);
  console.log(`  added p50 ${load.addedLatency.p50} ms, p99 ${load.addedLatency.p99} ms; error rate ${(load.errorRate * 100).toFixed(2)}%`);
  console.log(`  routes recorded ${load.routesRecorded} of ${load.okResponses} answered; lost ${load.lostRecords}`);
  if (args.includes('--json')) console.log(JSON.stringify({ latency, ttft, load }));
} finally {
  await bench.close();
}
