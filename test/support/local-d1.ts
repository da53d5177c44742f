import { spawnSync } from 'node:child_process';

/** Rows of one SQL query against a gateway's local D1 state folder (`wrangler d1 execute --local`). */
export function queryLocalD1<T>(persistDir: string, sql: string): T[] {
  const r = spawnSync('npx', ['wrangler', 'd1', 'execute', 'conclave', '--local', '--persist-to', persistDir, '--json', '--command', sql], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
  });
  if (r.status !== 0) throw new Error(`D1 query failed (${sql}): ${r.stderr}`);
  return (JSON.parse(r.stdout) as { results: T[] }[])[0]!.results;
}
