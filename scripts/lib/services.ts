import { spawn, type ChildProcess } from 'node:child_process';
import { killGroup, startWranglerDev, type WranglerDev } from '../../test/support/wrangler-dev';
import { freePort } from './ports';

// The processes the side-by-side benchmark runs: the loopback peer, the pass-through floors and
// Portkey's gateway, each in its own process group so stopping one stops all it started.

export interface Service {
  url: string;
  stop(): Promise<void>;
}

/** Starts a process and waits until its output says where it listens (or `ready` matches). */
async function startProcess(cmd: string, args: string[], ready: RegExp, url?: string): Promise<Service> {
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, NO_COLOR: '1' } });
  let log = '';
  const found = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      log += d.toString();
      const m = ready.exec(log);
      if (m) resolve(url ?? m[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${cmd} ${args.join(' ')} exited (${code}) before it was ready:\n${log}`)));
    setTimeout(() => reject(new Error(`${cmd} not ready after 60 s:\n${log}`)), 60_000).unref();
  });
  return {
    url: found,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      killGroup(child.pid!, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) killGroup(child.pid!, 'SIGKILL');
    },
  };
}

const tsx = ['--import', 'tsx'];

export const startPeerProcess = () => startProcess('node', [...tsx, 'scripts/bench/peer.ts'], /listening (\S+)/);

export const startPassthroughNode = (peerUrl: string) => startProcess('node', [...tsx, 'scripts/bench/passthrough-node.ts', peerUrl], /listening (\S+)/);

/** The pass-through Worker under the same wrangler as the gateway. */
export function startPassthroughWorker(peerUrl: string): Promise<WranglerDev> {
  return startWranglerDev(['--config', 'scripts/bench/passthrough.wrangler.toml', '--persist-to', '.wrangler/bench-passthrough'], { PEER_URL: peerUrl });
}

/** Portkey's open-source gateway from npm (a pinned dev dependency), under Node. */
export async function startPortkey(): Promise<Service> {
  const port = await freePort();
  return startProcess(
    'node',
    ['node_modules/@portkey-ai/gateway/build/start-server.js', `--port=${port}`, '--headless'],
    /Ready for connections/,
    `http://127.0.0.1:${port}`,
  );
}
