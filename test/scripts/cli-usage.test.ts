import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
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

  it('npm start on a taken port says so before any set-up, naming the variable to change', async () => {
    const taken = createServer();
    await new Promise<void>((ready) => taken.listen(0, '127.0.0.1', ready));
    const port = (taken.address() as AddressInfo).port;
    try {
      for (const [name, env] of [
        ['PORT', { PORT: String(port), GPU_PORT: String(await freePort()) }],
        ['GPU_PORT', { PORT: String(await freePort()), GPU_PORT: String(port) }],
      ] as const) {
        const refused = await run('npx', ['tsx', SCRIPTS.start], { env: { ...process.env, ...env } }).then(() => null, failure);
        expect(refused?.code, name).toBe(2);
        expect(refused?.stderr).toContain(`port ${port} is taken`);
        expect(refused?.stderr).toContain(`give ${name}=<another port>`);
        expect(refused?.stdout, 'no set-up step ran').not.toContain('·');
      }
    } finally {
      taken.close();
    }
  }, 60_000);

  it('npm run export says which gateway it could not reach, and what to do', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const refused = await run('npx', ['tsx', SCRIPTS.export, '--url', url], { env: { ...process.env, ADMIN_TOKEN: 'x' } }).then(() => null, failure);
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toMatch(/ECONNREFUSED/);
    expect(refused?.stderr).toContain(`export: cannot reach the gateway at ${url} (`);
    expect(refused?.stderr).toContain('is it running (npm start)?');
  }, 30_000);
});
