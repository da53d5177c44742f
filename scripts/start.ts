import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { buildReplay } from './build-replay';
import { artifactsSql, GPU_EXPERT_ID, gpuExpertSql, replayExpertsSql } from './lib/seed';

// `npm start`: everything a newcomer needs, offline: .dev.vars, replay assets, local D1 migrated
// and seeded, then `wrangler dev` on http://127.0.0.1:8787.

const PORT = Number(process.env.PORT ?? 8787);
const GPU_PORT = Number(process.env.GPU_PORT ?? 8090);
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };

function wrangler(args: string[]): void {
  const r = spawnSync('npx', ['wrangler', ...args], { stdio: ['ignore', 'inherit', 'inherit'], env });
  if (r.status !== 0) throw new Error(`wrangler ${args.join(' ')} failed (exit ${r.status})`);
}

function ensureDevVars(): Record<string, string> {
  const path = '.dev.vars';
  const vars: Record<string, string> = {};
  if (existsSync(path)) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
      if (m) vars[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
    }
  }
  let changed = false;
  for (const name of ['ADMIN_TOKEN', 'DEV_API_KEY']) {
    if (!vars[name]) {
      vars[name] = `${name === 'ADMIN_TOKEN' ? 'adm' : 'sk-dev'}-${randomBytes(18).toString('base64url')}`;
      changed = true;
    }
  }
  if (changed) writeFileSync(path, Object.entries(vars).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });
  return vars;
}

const vars = ensureDevVars();
await buildReplay();
wrangler(['d1', 'migrations', 'apply', 'conclave', '--local']);
const gpu = await startGpuService();
mkdirSync('.wrangler', { recursive: true });
writeFileSync('.wrangler/seed.sql', [...replayExpertsSql(), ...artifactsSql(), ...(gpu ? [gpuExpertSql(gpu.url)] : [])].join('\n') + '\n');
wrangler(['d1', 'execute', 'conclave', '--local', '--file', '.wrangler/seed.sql']);

// --test-scheduled: the cron job (learning from feedback, retention) runs locally on GET /__scheduled.
const dev = spawn('npx', ['wrangler', 'dev', '--ip', '127.0.0.1', '--port', String(PORT), '--show-interactive-dev-session=false', '--test-scheduled'], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env,
});
let announced = false;
dev.stdout.on('data', (chunk: Buffer) => {
  process.stdout.write(chunk);
  if (!announced && /Ready on/i.test(chunk.toString())) {
    announced = true;
    const base = `http://127.0.0.1:${PORT}`;
    console.log(
      [
        '',
        'Conclave is running (local D1, 29 replay experts).',
        `  API        ${base}/v1/chat/completions   (Authorization: Bearer ${vars.DEV_API_KEY})`,
        `  Models     ${base}/v1/models`,
        `  Admin API  ${base}/admin/api/experts     (Authorization: Bearer ${vars.ADMIN_TOKEN})`,
        `  Health     ${base}/health`,
        `  Cron job   ${base}/__scheduled   (the routers learn from feedback; retention)`,
        gpu ? `  GPU service ${gpu.url}  (demo MoE checkpoint with RANDOM weights, expert id '${GPU_EXPERT_ID}')` : '  GPU service not running (see above)',
        '  Credentials are in .dev.vars.',
        '',
      ].join('\n'),
    );
  }
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    dev.kill(sig);
    gpu?.child.kill('SIGTERM');
  });
}
dev.on('exit', (code) => {
  gpu?.child.kill('SIGTERM');
  process.exit(code ?? 0);
});

/**
 * The GPU service on the demo checkpoint (CPU here unless a GPU is present). The gateway still
 * starts without it: a failed native build or a taken port is reported, not fatal.
 */
async function startGpuService(): Promise<{ url: string; child: ChildProcess } | null> {
  // node directly (not npx tsx) so SIGTERM reaches the server and it can drain in-flight streams.
  const child = spawn(process.execPath, ['--import', 'tsx', 'gpu-service/scripts/serve.ts', '--port', String(GPU_PORT), '--name', GPU_EXPERT_ID], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  return new Promise((resolve) => {
    let out = '';
    const timer = setTimeout(() => {
      console.warn('GPU service did not start within 60 s; continuing without it');
      child.kill('SIGTERM');
      resolve(null);
    }, 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, child });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      console.warn(`GPU service exited (${code}); continuing without it`);
      resolve(null);
    });
  });
}
