import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/ports';

// The commands the README gives a newcomer answer --help with their usage, and refuse a flag they
// do not know with what was wrong and the usage (exit 2), never a stack trace.

const run = promisify(execFile);
const SCRIPTS = { start: 'scripts/start.ts', eval: 'scripts/eval.ts', train: 'scripts/train-artifacts.ts', export: 'scripts/export.ts' };
const failure = (e: { code: number; stdout: string; stderr: string }) => e;

describe('npm start / eval / train / export on the command line', () => {
  for (const [name, script] of Object.entries(SCRIPTS)) {
    it(`npm ${name === 'start' ? 'start' : `run ${name}`} -- --help prints its usage; an unknown flag is refused with it`, async () => {
      const help = await run('npx', ['tsx', script, '--help']);
      expect(help.stdout).toMatch(new RegExp(`^npm (run )?${name} `));
      const refused = await run('npx', ['tsx', script, '--no-such-flag']).then(() => null, failure);
      expect(refused?.code).toBe(2);
      expect(refused?.stderr).toContain("Unknown option '--no-such-flag'");
      expect(refused?.stderr).toContain(help.stdout.split('\n')[0]);
      expect(refused?.stderr).not.toMatch(/\n\s+at /);
    }, 30_000);
  }

  it('npm run export says which gateway it could not reach, and what to do', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const refused = await run('npx', ['tsx', SCRIPTS.export, '--url', url], { env: { ...process.env, ADMIN_TOKEN: 'x' } }).then(() => null, failure);
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toMatch(/ECONNREFUSED/);
    expect(refused?.stderr).toContain(`export: cannot reach the gateway at ${url} (`);
    expect(refused?.stderr).toContain('is it running (npm start)?');
  }, 30_000);
});
