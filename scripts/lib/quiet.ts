import { spawnSync } from 'node:child_process';

export const TOOL_ENV = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' };

/**
 * Runs a setup command with its output captured: a newcomer sees one progress line per step, and
 * the whole output only when the step fails.
 */
export function quietly(command: string, args: string[]): void {
  const r = spawnSync(command, args, { env: TOOL_ENV, encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  if (r.status !== 0) {
    process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
    throw new Error(`${command} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
  }
}

export function wranglerQuietly(args: string[]): void {
  quietly('npx', ['wrangler', ...args]);
}
