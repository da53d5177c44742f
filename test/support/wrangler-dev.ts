import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../scripts/lib/ports';

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
  const child: ChildProcess = spawn('npx', all, { env: wranglerEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      log += d.toString();
      if (/Ready on/.test(log)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`wrangler dev exited (${code}) before it was ready:\n${log}`)));
    setTimeout(() => reject(new Error(`wrangler dev not ready after 60 s:\n${log}`)), 60_000).unref();
  });
  return {
    url: `http://127.0.0.1:${port}`,
    inspectorPort,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      killGroup(child.pid!, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) killGroup(child.pid!, 'SIGKILL');
    },
  };
}

/** Signals a process group; one that is already gone is not an error. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}
