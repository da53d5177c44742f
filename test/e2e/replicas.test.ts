// Scale-out through the real gateway: one expert served by two GPU service processes (its endpoint_url
// and a replica_url). The gateway spreads requests over both, loses nothing when one is killed mid-run
// (the other takes the load), takes a draining replica (503) out at once, and brings a restarted one
// back after its health check. The services require an API key, which the gateway sends as the
// expert's secret (health checks go without it: GET /health stays open for probes).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoCheckpoint } from '../../gpu-service/src/demo/write.js';
import { REPLICA_RECHECK_MS } from '../../worker/gateway/replicas';
import { startGateway, type RunningGateway } from '../support/gateway';

interface Service {
  url: string;
  child: ChildProcess;
}

const GPU_KEY = `gpu-test-${Math.random().toString(36).slice(2)}`;
const auth = { authorization: `Bearer ${GPU_KEY}` };

async function startService(port = 0): Promise<Service> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'gpu-service/scripts/serve.ts', '--port', String(port), '--demo', 'olmoe', '--name', 'gpu-demo'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CONCLAVE_GPU_API_KEY: GPU_KEY },
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`GPU service exited (${code}) before listening: ${stderr}`)));
  });
  return { url, child };
}

/** Chat completions this service has answered with 200. */
async function served(s: Service): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`, { headers: auth })).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('conclave_requests_total{') && l.includes('/v1/chat/completions') && l.includes('status="200"'))
    .reduce((a, l) => a + Number(l.split(' ').pop()), 0);
}

let gw: RunningGateway;
let a: Service;
let b: Service;

async function chat(i: number): Promise<{ status: number; content: string }> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpu-demo', messages: [{ role: 'user', content: `request ${i}` }], max_tokens: 8 }),
  });
  const body = (await res.json()) as { choices?: Array<{ message: { content: string } }> };
  return { status: res.status, content: body.choices?.[0]?.message.content ?? JSON.stringify(body) };
}

/** `count` requests, `concurrency` at a time; `after(done)` runs once `done` of them have finished. */
async function burst(count: number, concurrency: number, after?: { done: number; run: () => void }) {
  const results: Array<{ status: number; content: string }> = [];
  let next = 0;
  let finished = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const r = await chat(next++);
        results.push(r);
        if (++finished === after?.done) after.run();
      }
    }),
  );
  return results;
}

beforeAll(async () => {
  ensureDemoCheckpoint('olmoe');
  [gw, a, b] = await Promise.all([startGateway({ seed: false, vars: { CACHE_TTL_MS: '0', EXPERT_GPU_DEMO_KEY: GPU_KEY } }), startService(), startService()]);
  const res = await fetch(`${gw.url}/admin/api/experts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      id: 'gpu-demo',
      provider: 'openai',
      model: 'gpu-demo',
      endpoint_url: a.url,
      replica_urls: [b.url],
      api_key_secret: 'EXPERT_GPU_DEMO_KEY',
    }),
  });
  expect(res.status).toBe(201);
  expect(((await res.json()) as { replica_urls: string[] }).replica_urls).toEqual([b.url]);
}, 180_000);

afterAll(async () => {
  for (const s of [a, b]) s?.child.kill('SIGKILL');
  await gw?.stop();
});

describe('an expert with two GPU service replicas', () => {
  it('spreads concurrent requests over both', async () => {
    const results = await burst(12, 6);
    expect(results.every((r) => r.status === 200)).toBe(true);
    const [onA, onB] = await Promise.all([served(a), served(b)]);
    expect(onA + onB).toBe(12);
    expect(Math.min(onA, onB)).toBeGreaterThanOrEqual(3);
  });

  it('loses nothing when one is killed mid-run: the other takes the load', async () => {
    const before = await served(b);
    const results = await burst(24, 6, { done: 6, run: () => a.child.kill('SIGKILL') });
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(results).toHaveLength(24);
    expect(results.every((r) => r.content.length > 0)).toBe(true);
    // Whatever A had not answered when it died was answered by B.
    expect((await served(b)) - before).toBeGreaterThanOrEqual(24 - 6 - 6);
  });

  it('brings a restarted replica back after its health check', async () => {
    const port = Number(new URL(a.url).port);
    a = await startService(port);
    await new Promise((r) => setTimeout(r, REPLICA_RECHECK_MS + 500));
    // The first request after the recheck time starts A's health check in the background and goes to
    // B (a burst sent at once put most of its first wave on B, and A served 2 of 12 in one CI run).
    expect((await chat(0)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    const before = await served(a);
    const results = await burst(12, 6);
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect((await served(a)) - before).toBeGreaterThanOrEqual(3);
  });

  it('takes a draining replica (503) out at once and answers from the other', async () => {
    // A long generation keeps B draining (it answers 503 to new requests) after SIGTERM.
    const long = await fetch(`${b.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ prompt: 'keep going', max_tokens: 2048, stream: true }),
    });
    const reader = long.body!.getReader();
    await reader.read();
    b.child.kill('SIGTERM');
    while ((await fetch(`${b.url}/health`)).status !== 503) await new Promise((r) => setTimeout(r, 50));
    const beforeA = await served(a);
    const results = await burst(8, 4);
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect((await served(a)) - beforeA).toBe(8);
    await reader.cancel();
    await once(b.child, 'exit');
  });
}, 240_000);
