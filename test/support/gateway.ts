import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifactsSql, replayExpertsSql } from '../../scripts/lib/seed';
import { GATEWAY_CONFIG_ARGS } from '../../scripts/lib/gateway-config';
import { startWranglerDev, wranglerEnv } from './wrangler-dev';

// Runs the real gateway for Node-side tests (OpenAI client, browser, load): `wrangler dev` on a free
// loopback port over its own throw-away local D1, migrated and seeded like `npm start` does. The
// response cache is off unless a test turns it on: tests repeat requests and expect them answered.

export interface RunningGateway {
  url: string;
  adminToken: string;
  apiKey: string;
  /** Local D1 state folder, for tests that inspect or break it. */
  persistDir: string;
  /** The Worker's DevTools inspector port (heap and CPU profiles: scripts/lib/inspector.ts). */
  inspectorPort: number;
  pid: number;
  stop(): Promise<void>;
}

function wrangler(args: string[]): void {
  const r = spawnSync('npx', ['wrangler', ...args], { env: wranglerEnv, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrangler ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
}

export async function startGateway(opts: { seed?: boolean; vars?: Record<string, string> } = {}): Promise<RunningGateway> {
  const persistDir = mkdtempSync(join(tmpdir(), 'conclave-d1-'));
  const adminToken = `adm-test-${Math.random().toString(36).slice(2)}`;
  const apiKey = `sk-test-${Math.random().toString(36).slice(2)}`;
  wrangler(['d1', 'migrations', 'apply', 'conclave', '--local', '--persist-to', persistDir]);
  if (opts.seed !== false) {
    const file = join(persistDir, 'seed.sql');
    writeFileSync(file, [...replayExpertsSql(), ...artifactsSql()].join('\n'));
    wrangler(['d1', 'execute', 'conclave', '--local', '--persist-to', persistDir, '--file', file]);
  }
  const dev = await startWranglerDev([...GATEWAY_CONFIG_ARGS, '--persist-to', persistDir], {
    ADMIN_TOKEN: adminToken,
    DEV_API_KEY: apiKey,
    RESPONSE_CACHE_TTL_S: '0',
    ALLOW_PRIVATE_ENDPOINTS: '1',
    ...opts.vars,
  });
  return {
    url: dev.url,
    adminToken,
    apiKey,
    persistDir,
    inspectorPort: dev.inspectorPort,
    pid: dev.pid,
    async stop() {
      await dev.stop();
      rmSync(persistDir, { recursive: true, force: true });
    },
  };
}
