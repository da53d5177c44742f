import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

// `.dev.vars`: the local secrets wrangler dev reads, one NAME=value per line. `npm start` creates
// ADMIN_TOKEN, DEV_API_KEY and the GPU service's key once and keeps whatever else an operator added
// (HF_TOKEN, endpoint keys).

export const DEV_VARS = '.dev.vars';

export function readDevVars(path = DEV_VARS): Record<string, string> {
  const vars: Record<string, string> = {};
  if (!existsSync(path)) return vars;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
  }
  return vars;
}

/** The GPU service's API key, which the gateway sends as its expert's secret (experts/providers.ts prefix). */
export const GPU_API_KEY_SECRET = 'EXPERT_GPU_API_KEY';

/** The vars with ADMIN_TOKEN, DEV_API_KEY and the GPU key present, written back (mode 600) only when one was added. */
export function ensureDevVars(path = DEV_VARS): Record<string, string> {
  const vars = readDevVars(path);
  let changed = false;
  for (const [name, prefix] of [
    ['ADMIN_TOKEN', 'adm'],
    ['DEV_API_KEY', 'sk-dev'],
    [GPU_API_KEY_SECRET, 'gpu'],
  ] as const) {
    if (vars[name]) continue;
    vars[name] = `${prefix}-${randomBytes(18).toString('base64url')}`;
    changed = true;
  }
  if (changed)
    writeFileSync(
      path,
      `${Object.entries(vars)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')}\n`,
      { mode: 0o600 },
    );
  return vars;
}
