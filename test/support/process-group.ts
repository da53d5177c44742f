import { spawn, type ChildProcess } from 'node:child_process';

// A child process in a process group of its own, so that stopping it stops all it started (wrangler's
// workerd, npx's node), started and waited on until its output says it is ready.

export interface ProcessGroup {
  child: ChildProcess;
  /** What `ready` matched in the output. */
  ready: RegExpExecArray;
  /** SIGTERM to the group, SIGKILL after 5 s if it is still there. */
  stop(): Promise<void>;
}

/** How much of a process's latest output is kept, for the error when it stops before it is ready. */
export const OUTPUT_TAIL_CHARS = 16_384;

/** Spawns `cmd` and resolves once its stdout or stderr matches `ready`; `name` is the process in errors. */
export async function startProcessGroup(cmd: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp, name: string): Promise<ProcessGroup> {
  const child: ChildProcess = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  // Its output is read for as long as it runs (a full pipe would stall it): wrangler dev prints a
  // line per request, so only the latest of it is kept, and the ready pattern is not looked for once found.
  let log = '';
  let started = false;
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const onData = (d: Buffer) => {
      const seen = log + d.toString();
      log = seen.slice(-OUTPUT_TAIL_CHARS);
      const m = started ? null : ready.exec(seen);
      if (m) {
        started = true;
        resolve(m);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${log}`)));
    setTimeout(() => reject(new Error(`${name} not ready after 60 s:\n${log}`)), 60_000).unref();
  });
  return {
    child,
    ready: match,
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
