import { startProcessGroup } from '../../test/support/process-group';
import { startWranglerDev, type WranglerDev } from '../../test/support/wrangler-dev';
import { freePort } from './ports';

// The processes the side-by-side benchmark runs: the loopback peer, the pass-through floors and
// Portkey's gateway, each in its own process group so stopping one stops all it started.

export interface Service {
  url: string;
  stop(): Promise<void>;
}

/** Starts a process and waits until its output says where it listens (or `ready` matches). */
async function startProcess(cmd: string, args: string[], ready: RegExp, url?: string): Promise<Service> {
  const group = await startProcessGroup(cmd, args, { ...process.env, NO_COLOR: '1' }, ready, `${cmd} ${args.join(' ')}`);
  return { url: url ?? group.ready[1]!, stop: group.stop };
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
