import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/lib/ports';
import { artifactsSql, replayExpertsSql } from '../../scripts/lib/seed';

export { freePort };

// Runs the real gateway for Node-side tests (OpenAI client, browser, load): `wrangler dev` on a free
// loopback port over its own throw-away local D1, migrated and seeded like `npm start` does.

export interface RunningGateway {
  url: string;
  adminToken: string;
  apiKey: string;
  /** Local D1 state folder, for tests that inspect or break it. */
  persistDir: string;
  stop(): Promise<void>;
}

const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' };

function wrangler(args: string[]): void {
  const r = spawnSync('npx', ['wrangler', ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrangler ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
}

export async function startGateway(opts: { seed?: boolean; vars?: Record<string, string> } = {}): Promise<RunningGateway> {
  const persistDir = mkdtempSync(join(tmpdir(), 'conclave-d1-'));
  const adminToken = 'adm-test-' + Math.random().toString(36).slice(2);
  const apiKey = 'sk-test-' + Math.random().toString(36).slice(2);
  wrangler(['d1', 'migrations', 'apply', 'conclave', '--local', '--persist-to', persistDir]);
  if (opts.seed !== false) {
    const file = join(persistDir, 'seed.sql');
    writeFileSync(file, [...replayExpertsSql(), ...artifactsSql()].join('\n'));
    wrangler(['d1', 'execute', 'conclave', '--local', '--persist-to', persistDir, '--file', file]);
  }
  const port = await freePort();
  // Each wrangler dev needs its own inspector port, or a second gateway (another suite, another checkout) fails to start.
  const inspectorPort = await freePort();
  const vars = { ADMIN_TOKEN: adminToken, DEV_API_KEY: apiKey, ...opts.vars };
  const args = ['wrangler', 'dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort), '--persist-to', persistDir, '--show-interactive-dev-session=false', '--env-file', '/dev/null'];
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`);
  const child: ChildProcess = spawn('npx', args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      log += d.toString();
      if (/Ready on/.test(log)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`wrangler dev exited (${code}) before it was ready:\n${log}`)));
    setTimeout(() => reject(new Error(`wrangler dev not ready after 60 s:\n${log}`)), 60_000).unref();
  });
  await ready;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    adminToken,
    apiKey,
    persistDir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(-child.pid!, 'SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
        if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
      }
      rmSync(persistDir, { recursive: true, force: true });
    },
  };
}
