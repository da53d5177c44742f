import { spawn, type ChildProcess } from 'node:child_process';
import { TOOL_ENV } from './quiet';

export interface RunningGpuService {
  url: string;
  child: ChildProcess;
}

/**
 * The GPU service on the demo checkpoint (CPU here unless a GPU is present), its loading log kept
 * back. The gateway still starts without it: a failed native build or a taken port is reported
 * with the service's own log, not fatal.
 */
export function startGpuService(port: number, expertId: string, apiKey: string, timeoutMs = 60_000): Promise<RunningGpuService | { error: string }> {
  // node directly (not npx tsx) so SIGTERM reaches the server and it can drain in-flight streams.
  const child = spawn(process.execPath, ['--import', 'tsx', 'gpu-service/scripts/serve.ts', '--port', String(port), '--name', expertId], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // The key through the environment: a flag would show in the process list.
    env: { ...TOOL_ENV, CONCLAVE_GPU_API_KEY: apiKey },
  });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  return new Promise((resolve) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      resolve({ error: `did not start within ${timeoutMs / 1000} s\n${log}` });
    }, timeoutMs);
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
      resolve({ error: `exited (${code})\n${log}` });
    });
  });
}
