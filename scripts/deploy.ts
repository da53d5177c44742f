import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildReplay } from './build-replay';
import { artifactsSql, replayExpertsSql } from './lib/seed';

// `npm run deploy`: the real Cloudflare deployment. Needs CLOUDFLARE_API_TOKEN (or `wrangler login`)
// and network access. Steps:
//   1. a D1 database named `conclave` (created if wrangler.toml still has the placeholder id),
//   2. remote migrations, and the replay experts + trained artifacts seeded (INSERT OR IGNORE),
//   3. secrets: ADMIN_TOKEN (required), HF_TOKEN (for Hugging Face Inference Providers) and any
//      secret an expert's api_key_secret names — set once with `npx wrangler secret put NAME`,
//   4. the replay answers' assets-only Worker (replay.wrangler.toml), then the gateway (`wrangler deploy`),
//      whose REPLAY service binding reaches it.

const PLACEHOLDER = '00000000-0000-0000-0000-000000000000';
// --artifacts DIR (from `npm run train -- --out DIR`) publishes retrained artifacts as the next versions.
const retrained = parseArgs({ options: { artifacts: { type: 'string' } }, strict: true }).values.artifacts;

function wrangler(args: string[], capture = false): string {
  const r = spawnSync('npx', ['wrangler', ...args], {
    stdio: capture ? 'pipe' : 'inherit',
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
  if (r.status !== 0) throw new Error(`wrangler ${args.join(' ')} failed${capture ? `: ${r.stderr}` : ''}`);
  return r.stdout ?? '';
}

let toml = readFileSync('wrangler.toml', 'utf8');
if (toml.includes(PLACEHOLDER)) {
  const out = wrangler(['d1', 'create', 'conclave'], true);
  const id = /database_id\s*=\s*"([0-9a-f-]{36})"/.exec(out)?.[1] ?? /"database_id":\s*"([0-9a-f-]{36})"/.exec(out)?.[1];
  if (!id) throw new Error(`could not read the new database id from wrangler's output:\n${out}`);
  toml = toml.replace(PLACEHOLDER, id);
  writeFileSync('wrangler.toml', toml);
  console.log(`created D1 database conclave (${id}); wrangler.toml updated — commit it`);
}
await buildReplay();
wrangler(['d1', 'migrations', 'apply', 'conclave', '--remote']);
mkdirSync('.wrangler', { recursive: true });
writeFileSync('.wrangler/seed-remote.sql', `${[...replayExpertsSql(), ...artifactsSql(), ...(retrained ? artifactsSql(retrained, 'next') : [])].join('\n')}\n`);
wrangler(['d1', 'execute', 'conclave', '--remote', '--file', '.wrangler/seed-remote.sql']);
const secrets = wrangler(['secret', 'list'], true);
if (!secrets.includes('ADMIN_TOKEN')) {
  console.error('Set the admin token first: npx wrangler secret put ADMIN_TOKEN (and HF_TOKEN for Hugging Face experts)');
  process.exit(1);
}
wrangler(['deploy', '--config', 'replay.wrangler.toml']);
wrangler(['deploy']);
