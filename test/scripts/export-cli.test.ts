import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsFileSchema } from '../../router/data-format';

// `npm run export` against a gateway's admin API (a loopback stand-in answering as the gateway
// does): the rated history, and with --models the registry's experts and prices as the models file
// `npm run train` needs, so export -> train runs without writing prices by hand.

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'export-cli-'));
const TOKEN = 'adm-test';
const line = (id: string) =>
  JSON.stringify({
    id,
    prompt: 'Write a haiku about autumn',
    options: [],
    answer: '',
    category: 'gateway',
    source: `feedback-${id}`,
    outcomes: { 'my-gpt': { pred: null, correct: true, text: 'Crisp leaves drift and fall' }, 'gpu-olmoe-demo': { pred: null, correct: false, text: 'zq' } },
  });
const experts = [
  { id: 'my-gpt', provider: 'openai', model: 'gpt-4o-mini', input_price_per_mtok: 0.15, output_price_per_mtok: 0.6, enabled: true, demo: false },
  { id: 'gpu-olmoe-demo', provider: 'openai', model: 'olmoe-demo', input_price_per_mtok: 0, output_price_per_mtok: 0, enabled: true, demo: true },
];
let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return res.writeHead(401).end('{}');
    if (req.url?.startsWith('/admin/api/export')) return res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(`${line('1')}\n${line('2')}\n`);
    if (req.url === '/admin/api/experts') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: experts }));
    res.writeHead(404).end('{}');
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((done) => server.close(done));
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run export', () => {
  it('--models writes the registry as a models file (keyed by expert id) that npm run train takes with the export', async () => {
    const out = join(dir, 'export.jsonl');
    const models = join(dir, 'models.json');
    const env = { ...process.env, ADMIN_TOKEN: TOKEN };
    const { stdout } = await run('npx', ['tsx', 'scripts/export.ts', '--url', url, '--out', out, '--models', models], { env });
    expect(stdout).toContain(`2 rated routes → ${out}`);
    expect(stdout).toContain(`2 experts and their prices → ${models}`);
    expect(modelsFileSchema.parse(JSON.parse(readFileSync(models, 'utf8')))).toEqual({
      models: [
        { name: 'my-gpt', model_id: 'gpt-4o-mini', input_per_mtok: 0.15, output_per_mtok: 0.6 },
        { name: 'gpu-olmoe-demo', model_id: 'olmoe-demo', input_per_mtok: 0, output_per_mtok: 0 },
      ],
    });
    const trained = await run('npx', ['tsx', 'scripts/train-artifacts.ts', '--data', out, '--models', models, '--out', join(dir, 'artifacts')]);
    expect(trained.stdout).toMatch(/trained on 2 questions/);
  }, 60_000);
});
