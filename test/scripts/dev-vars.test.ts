import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDevVars, GPU_API_KEY_SECRET, readDevVars } from '../../scripts/lib/dev-vars';

// `.dev.vars` is read twice: by wrangler dev (dotenv) and by the README's `set -a; . ./.dev.vars;
// set +a` (sh). A value with spaces, an OTLP header's `Bearer <token>` say, must be single-quoted
// for sh; `npm start` adding its keys must leave such lines (and comments) exactly as written.

const dir = mkdtempSync(join(tmpdir(), 'dev-vars-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The vars `set -a; . file; set +a` exports, as the README has users do. */
function sourced(path: string, name: string): string {
  return execFileSync('sh', ['-c', `set -a; . "$1"; set +a; printf %s "$${name}"`, 'sh', path], { encoding: 'utf8' });
}

describe('.dev.vars', () => {
  it('npm start adds its missing keys without rewriting what an operator wrote', () => {
    const path = join(dir, 'added');
    const written = [
      '# the collector',
      `OTEL_EXPORTER_OTLP_HEADERS='Authorization=Bearer abc def'`,
      'ROUTE_WEBHOOK_SECRET="s3cret value"',
      'ADMIN_TOKEN=adm-kept',
    ].join('\n');
    writeFileSync(path, written);
    const vars = ensureDevVars(path);
    const text = readFileSync(path, 'utf8');
    expect(text.startsWith(`${written}\n`)).toBe(true);
    expect(vars.ADMIN_TOKEN).toBe('adm-kept');
    expect(vars.DEV_API_KEY).toMatch(/^sk-dev-/);
    for (const name of ['DEV_API_KEY', GPU_API_KEY_SECRET, 'ADMIN_TOKEN']) expect(sourced(path, name), name).toBe(vars[name]);
    expect(sourced(path, 'OTEL_EXPORTER_OTLP_HEADERS')).toBe('Authorization=Bearer abc def');
    expect(sourced(path, 'ROUTE_WEBHOOK_SECRET')).toBe('s3cret value');
    // A second start has nothing to add and leaves the file alone.
    ensureDevVars(path);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('reads quoted values as wrangler (dotenv) and sh do: without their quotes', () => {
    const path = join(dir, 'quoted');
    writeFileSync(path, `ADMIN_TOKEN='adm quoted'\nDEV_API_KEY="sk-dev-x" # a comment\nexport HF_TOKEN=hf_y\n`);
    expect(readDevVars(path)).toEqual({ ADMIN_TOKEN: 'adm quoted', DEV_API_KEY: 'sk-dev-x', HF_TOKEN: 'hf_y' });
    expect(sourced(path, 'ADMIN_TOKEN')).toBe('adm quoted');
  });
});
