import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// The GPU service's command line answers --help and refuses what it does not know, before it loads
// anything.

const run = (script: string, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', `gpu-service/scripts/${script}.ts`, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('gpu-service command line', () => {
  it('serve --help prints the options and exits 0', () => {
    const r = run('serve', '--help');
    expect(r.status).toBe(0);
    for (const flag of ['--model DIR', '--demo FAMILY', '--port N', '--host ADDR', '--name ID', '--max-batch N', '--max-queue N', '--max-context N'])
      expect(r.stdout).toContain(flag);
    expect(r.stdout).toContain('olmoe');
    expect(r.stderr).toBe('');
  });

  it('refuses an unknown flag or a stray argument with the usage, exit 2', () => {
    const unknown = run('serve', '--batch', '8');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--batch'");
    expect(unknown.stderr).toContain('Usage: npm run -w gpu-service serve');
    const stray = run('serve', 'model-dir');
    expect(stray.status).toBe(2);
    expect(stray.stderr).toContain('model-dir');
  });

  it('the other scripts answer -h too', () => {
    for (const script of ['logits', 'demo-models', 'gguf']) {
      const r = run(script, '-h');
      expect(r.status, script).toBe(0);
      expect(r.stdout, script).toContain('Usage: npm run -w gpu-service');
    }
  });
});
