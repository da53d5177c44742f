import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeNumber, parseNumber } from '../../gpu-service/scripts/cli';

// Every script that takes a number on its command line (or PORT / GPU_PORT) refuses one that is
// not a plain decimal number in range with one line naming the flag and the value, then its usage,
// exit 2 — before it starts, loads or writes anything. Number() and parseInt turned 'abc' into NaN,
// '5x' into 5 or NaN, '0x1F90' into 8080 and '' into 0.

const dir = mkdtempSync(join(tmpdir(), 'number-flags-'));
let taken: Server;
let takenPort = 0;
beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((ready) => taken.listen(0, '127.0.0.1', ready));
  takenPort = (taken.address() as AddressInfo).port;
});
afterAll(() => {
  taken.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = (script: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    encoding: 'utf8',
    // Where a script would go on with a wrong number it starts servers or trains: stop it, the test fails on what it printed.
    timeout: 30_000,
    env: { ...process.env, ...env },
  });

describe('parseNumber: plain decimal numbers in range only', () => {
  it.each([
    ['8080', { integer: true, min: 1, max: 65_535 }, 8080],
    ['0.35', { min: 0 }, 0.35],
    ['-3', { integer: true }, -3],
    ['0', { integer: true, min: 0 }, 0],
  ])("'%s' under %j is %d", (text, rule, n) => expect(parseNumber(text, rule)).toBe(n));

  it.each([
    ['0x1F90', { integer: true }],
    ['1e3', {}],
    ['5x', {}],
    ['abc', {}],
    ['', {}],
    [' 5', {}],
    ['5 ', {}],
    ['+5', {}],
    ['.5', {}],
    ['Infinity', {}],
    ['1.5', { integer: true }],
    ['99999999999999999999', { integer: true }],
    ['0', { min: 1 }],
    ['65536', { max: 65_535 }],
  ])("refuses '%s' under %j", (text, rule) => expect(parseNumber(text, rule)).toBeUndefined());

  it('says what a rule asks for', () => {
    expect(describeNumber({ integer: true, min: 1 })).toBe('an integer >= 1');
    expect(describeNumber({ min: 0, max: 1 })).toBe('a number from 0 to 1');
    expect(describeNumber({ integer: true, min: 1 }, true)).toBe('integers >= 1');
  });
});

const CASES: { script: string; args: string[]; env?: () => Record<string, string>; error: string; usage: string }[] = [
  { script: 'scripts/eval.ts', args: ['--limit', '5x'], error: "--limit must be an integer >= 1, got '5x'", usage: 'npm run eval --' },
  { script: 'scripts/eval.ts', args: ['--folds', 'abc'], error: "--folds must be an integer >= 2, got 'abc'", usage: 'npm run eval --' },
  {
    script: 'scripts/eval.ts',
    args: ['--budgets', '0.5,,1'],
    error: "--budgets must be numbers >= 0 separated by commas, got '0.5,,1'",
    usage: 'npm run eval --',
  },
  {
    script: 'scripts/train-artifacts.ts',
    args: ['--version', 'abc', '--out', join(dir, 'artifacts')],
    error: "--version must be an integer >= 1, got 'abc'",
    usage: 'npm run train --',
  },
  {
    script: 'scripts/export.ts',
    args: ['--after', '0x10'],
    env: () => ({ ADMIN_TOKEN: 'x' }),
    error: "--after must be an integer >= 0, got '0x10'",
    usage: 'npm run export --',
  },
  {
    script: 'scripts/synthesis-skill.ts',
    args: ['--sets', '3x', '--out', join(dir, 'skill.json')],
    error: "--sets must be an integer >= 1, got '3x'",
    usage: 'npx tsx scripts/synthesis-skill.ts',
  },
  {
    script: 'scripts/bench-route.ts',
    args: ['--prompts', 'abc'],
    error: "--prompts must be an integer >= 1, got 'abc'",
    usage: 'npx tsx scripts/bench-route.ts',
  },
  { script: 'scripts/bench-gateway.ts', args: ['--rounds', '5x'], error: "--rounds must be an integer >= 1, got '5x'", usage: 'npm run bench:gateway' },
  { script: 'scripts/bench-soak.ts', args: ['--requests', 'lots'], error: "--requests must be an integer >= 1, got 'lots'", usage: 'npm run bench:soak' },
  {
    script: 'scripts/start.ts',
    args: [],
    env: () => ({ PORT: String(takenPort), GPU_PORT: '0x1F90' }),
    error: "GPU_PORT must be an integer from 1 to 65535, got '0x1F90'",
    usage: 'npm start',
  },
  {
    script: 'gpu-service/scripts/serve.ts',
    args: ['--port', '0x1F90'],
    error: "--port must be an integer from 0 to 65535, got '0x1F90'",
    usage: 'Usage: npm run -w gpu-service serve',
  },
  {
    script: 'gpu-service/scripts/serve.ts',
    args: [],
    env: () => ({ PORT: '80 80' }),
    error: "PORT must be an integer from 0 to 65535, got '80 80'",
    usage: 'Usage: npm run -w gpu-service serve',
  },
  {
    script: 'gpu-service/scripts/serve.ts',
    args: ['--max-batch', '8x', '--port', '0'],
    error: "--max-batch must be an integer >= 1, got '8x'",
    usage: 'Usage: npm run -w gpu-service serve',
  },
  {
    script: 'gpu-service/scripts/logits.ts',
    args: ['--ids', '1,0x2'],
    error: "--ids must be integers >= 0 separated by commas, got '1,0x2'",
    usage: 'Usage: npm run -w gpu-service logits',
  },
  { script: 'gpu-service/bench/moe.bench.ts', args: ['--rounds', 'abc'], error: "--rounds must be an integer >= 1, got 'abc'", usage: 'npm run bench:moe' },
  {
    script: 'gpu-service/bench/moe.bench.ts',
    args: ['--tokens', '1,4x'],
    error: "--tokens must be integers >= 1 separated by commas, got '1,4x'",
    usage: 'npm run bench:moe',
  },
  {
    script: 'gpu-service/bench/serve.ts',
    args: ['--batches', '1,8x'],
    error: "--batches must be integers >= 1 separated by commas, got '1,8x'",
    usage: 'npm run bench:serve',
  },
];

describe('a numeric flag that is not a number in range is refused, naming it, before anything starts', () => {
  for (const c of CASES) {
    it(`${c.script} ${c.args.join(' ')}: ${c.error}`, () => {
      const r = run(c.script, c.args, c.env?.());
      expect(r.signal, 'it went on instead of refusing').toBeNull();
      expect(r.stderr.split('\n')[0]).toBe(c.error);
      expect(r.stderr).toContain(c.usage);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.status).toBe(2);
    }, 40_000);
  }
});
