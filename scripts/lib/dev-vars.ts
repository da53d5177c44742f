import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

// `.dev.vars`: the local secrets wrangler dev reads (dotenv), one NAME=value per line, which the
// README also has users source with `set -a; . ./.dev.vars; set +a` (sh). A value with spaces or
// shell characters is single-quoted, which both read alike. `npm start` appends ADMIN_TOKEN,
// DEV_API_KEY and the GPU service's key when missing and never rewrites what an operator wrote
// (HF_TOKEN, endpoint keys, quoting, comments).

export const DEV_VARS = '.dev.vars';

export function readDevVars(path = DEV_VARS): Record<string, string> {
  const vars: Record<string, string> = {};
  if (!existsSync(path)) return vars;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    // As dotenv reads it: an optional `export`, a quoted value whole, an unquoted one up to a `#` comment.
    const m = /^(?:export\s+)?([A-Za-z_]\w*)\s*=\s*(?:'([^']*)'|"([^"]*)"|([^#]*))/.exec(line.trim());
    if (m) vars[m[1]!] = m[2] ?? m[3] ?? m[4]!.trim();
  }
  return vars;
}

/** The GPU service's API key, which the gateway sends as its expert's secret (experts/providers.ts prefix). */
export const GPU_API_KEY_SECRET = 'EXPERT_GPU_API_KEY';

/** The vars with ADMIN_TOKEN, DEV_API_KEY and the GPU key present; missing ones are appended (mode 600 when the file is new). */
export function ensureDevVars(path = DEV_VARS): Record<string, string> {
  const vars = readDevVars(path);
  const added: string[] = [];
  for (const [name, prefix] of [
    ['ADMIN_TOKEN', 'adm'],
    ['DEV_API_KEY', 'sk-dev'],
    [GPU_API_KEY_SECRET, 'gpu'],
  ] as const) {
    if (vars[name]) continue;
    // base64url: nothing sh or dotenv would need quoted.
    vars[name] = `${prefix}-${randomBytes(18).toString('base64url')}`;
    added.push(`${name}=${vars[name]}`);
  }
  if (added.length > 0) {
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    const separator = text === '' || text.endsWith('\n') ? '' : '\n';
    appendFileSync(path, `${separator}${added.join('\n')}\n`, { mode: 0o600 });
  }
  return vars;
}
