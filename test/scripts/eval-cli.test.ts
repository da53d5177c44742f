import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

// `npm run eval` as an operator runs it on another workload: its own data and price files, the
// last line JSON, and plots that never land on the committed docs/routing-frontier.svg.

const run = promisify(execFile);
const ZERO = 'data/zeroeval-routing';
const eval_ = (args: string[]) => run('npx', ['tsx', 'scripts/eval.ts', ...args], { maxBuffer: 16 << 20 });
const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const dir = mkdtempSync(join(tmpdir(), 'eval-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// Small slices of the ZeroEval dev split keep each run to a few seconds of training.
const lines = gunzipSync(readFileSync(`${ZERO}/dev.jsonl.gz`))
  .toString('utf8')
  .trim()
  .split('\n');
const slice = (name: string, from: number, to: number) => {
  writeFileSync(join(dir, name), lines.slice(from, to).join('\n'));
  return join(dir, name);
};
const own = slice('own.jsonl', 0, 160);

describe('npm run eval on the ZeroEval workload', () => {
  it('cross-validates with --models/--data, ends with its JSON line and plots under eval-output/', async () => {
    const committed = digest('docs/routing-frontier.svg');
    const started = Date.now();
    const { stdout } = await eval_([
      '--models',
      `${ZERO}/models.json`,
      '--data',
      own,
      '--folds',
      '2',
      '--limit',
      '20',
      '--lambdas',
      '0',
      '--budgets',
      '0.35',
      '--policy',
      'economy',
      '--json',
    ]);
    const lines = stdout.trim().split('\n');
    const last = JSON.parse(lines.at(-1)!) as Record<string, number | string | null>;
    expect(last).toMatchObject({ policy: 'economy', accuracy: expect.any(Number), cost_vs_best_single: expect.any(Number) });
    expect(last.cost_per_query).toBeGreaterThan(0);
    // The ZeroEval pool's best single model, not an MMLU-Pro one: its prices came from --models.
    expect(stdout).toContain(`2-fold cross-validation on ${own} (160 questions)`);
    expect(stdout).toContain('frontier plot: eval-output/routing-frontier.svg');
    expect(statSync('eval-output/routing-frontier.svg').mtimeMs).toBeGreaterThanOrEqual(started - 1000);
    // The agreement ladder is swept over its cost budget, beside the λ sweeps.
    expect(stdout).toMatch(/^agreement budget=0\.35 +\d+\.\d+%/m);
    const svg = readFileSync('eval-output/routing-frontier.svg', 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('agreement ladder, budget swept');
    expect(digest('docs/routing-frontier.svg')).toBe(committed);
  }, 180_000);

  it('trains on --train, routes --data and writes the plot where --svg says', async () => {
    slice('train.jsonl', 0, 200);
    slice('test.jsonl', 600, 630);
    const svg = join(dir, 'plots', 'zero.svg');
    const { stdout } = await eval_([
      '--models',
      `${ZERO}/models.json`,
      '--train',
      join(dir, 'train.jsonl'),
      '--data',
      join(dir, 'test.jsonl'),
      '--lambdas',
      '0',
      '--svg',
      svg,
      '--json',
    ]);
    expect(stdout).toContain(`trained on ${join(dir, 'train.jsonl')} (200), routed ${join(dir, 'test.jsonl')} (30)`);
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({ policy: 'economy' });
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg/);
  }, 180_000);

  it('cross-validates a few questions, too few for an agreement ladder; one question is refused', async () => {
    const { stdout } = await eval_(['--models', `${ZERO}/models.json`, '--data', slice('few.jsonl', 0, 20), '--no-sweep']);
    expect(stdout).toContain('(20 questions)');
    const failed = await eval_(['--models', `${ZERO}/models.json`, '--data', slice('one.jsonl', 0, 1)]).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toMatch(/has 1 question\(s\): cross-validation needs at least 2/);
  }, 60_000);

  it('refuses a sweep grid that is not a list of numbers, naming the flag', async () => {
    const failed = await eval_(['--budgets', '0.35,lots', '--no-sweep']).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain("--budgets must be numbers >= 0 separated by commas, got '0.35,lots'");
  }, 60_000);

  it('cross-validates an export of the gateway, whose questions record only the experts each route called', async () => {
    // As GET /admin/api/export writes them: each route keeps the two or three experts it called.
    const sparse = lines.slice(0, 60).map((line, i) => {
      const x = JSON.parse(line) as { outcomes: Record<string, unknown> };
      const names = Object.keys(x.outcomes).sort();
      const kept = names.filter((_, j) => (j + i) % 9 < 2 + (i % 2));
      return JSON.stringify({ ...x, outcomes: Object.fromEntries(kept.map((m) => [m, x.outcomes[m]])) });
    });
    writeFileSync(join(dir, 'export.jsonl'), sparse.join('\n'));
    const { stdout } = await eval_(['--models', `${ZERO}/models.json`, '--data', join(dir, 'export.jsonl'), '--folds', '2', '--no-sweep', '--json']);
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({ policy: 'economy', accuracy: expect.any(Number) });
  }, 120_000);

  it('refuses a price file that lacks models the data recorded, naming them', async () => {
    const failed = await eval_(['--data', own, '--no-sweep']).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toMatch(/data\/mmlu-pro-routing\/models\.json has no price for \d+ model\(s\) the data recorded: .*pass --models/);
  }, 60_000);
});
