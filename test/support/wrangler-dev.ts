import { freePort } from '../../scripts/lib/ports';
import { startProcessGroup } from './process-group';

// One `wrangler dev` on a free loopback port with its own inspector port (two at once otherwise
// collide on 9229), for the gateway in tests and for the benchmark's pass-through Worker.

export const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' };

export interface WranglerDev {
  url: string;
  /** The Worker's DevTools inspector (scripts/lib/inspector.ts reads its heap and CPU profiles). */
  inspectorPort: number;
  /** wrangler's process group, its workerd processes included (their resident memory: bench:soak). */
  pid: number;
  stop(): Promise<void>;
}

/** `args` name the Worker (a script path, or `--config`) and its storage; `vars` become `--var`s. */
export async function startWranglerDev(args: string[], vars: Record<string, string>): Promise<WranglerDev> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const all = [
    'wrangler',
    'dev',
    ...args,
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(inspectorPort),
    '--show-interactive-dev-session=false',
    '--env-file',
    '/dev/null',
  ];
  for (const [k, v] of Object.entries(vars)) all.push('--var', `${k}:${v}`);
  const group = await startProcessGroup('npx', all, wranglerEnv, /Ready on/, 'wrangler dev');
  return { url: `http://127.0.0.1:${port}`, inspectorPort, pid: group.child.pid!, stop: group.stop };
}
