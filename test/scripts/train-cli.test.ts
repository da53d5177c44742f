import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { artifactsSql } from '../../scripts/lib/seed';

// `npm run train` on another workload and pool (free-form answers, empty options): the artifacts an
// operator publishes with `npm start -- --artifacts DIR` / `npm run deploy -- --artifacts DIR`.

const run = promisify(execFile);
const ZERO = 'data/zeroeval-routing';
const dir = mkdtempSync(join(tmpdir(), 'train-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = gunzipSync(readFileSync(`${ZERO}/dev.jsonl.gz`))
  .toString('utf8')
  .trim()
  .split('\n');

describe('npm run train', () => {
  it('trains on --data/--models into --out, as the next versions of the seed SQL', async () => {
    writeFileSync(join(dir, 'own.jsonl'), lines.slice(0, 300).join('\n'));
    const out = join(dir, 'artifacts');
    const { stdout } = await run(
      'npx',
      ['tsx', 'scripts/train-artifacts.ts', '--data', join(dir, 'own.jsonl'), '--models', `${ZERO}/models.json`, '--out', out],
      { maxBuffer: 8 << 20 },
    );
    expect(stdout).toMatch(/trained on 300 questions/);
    const files = readdirSync(out).sort();
    expect(files).toEqual(expect.arrayContaining(['learned-correctness.json', 'router-features.json', 'expert-stats.json']));
    const stats = JSON.parse(readFileSync(join(out, 'expert-stats.json'), 'utf8')) as { data: unknown };
    expect(JSON.stringify(stats.data)).toContain('gpt-4o-2024-08-06');
    const sql = artifactsSql(out, 'next');
    expect(sql.some((s) => s.includes("'learned-correctness'") && s.includes('coalesce(max(version), 0) + 1'))).toBe(true);
  }, 120_000);

  it('trains on a first export of a few questions, too few for an agreement ladder, and says so', async () => {
    writeFileSync(join(dir, 'few.jsonl'), lines.slice(0, 20).join('\n'));
    const { stdout } = await run('npx', [
      'tsx',
      'scripts/train-artifacts.ts',
      '--data',
      join(dir, 'few.jsonl'),
      '--models',
      `${ZERO}/models.json`,
      '--out',
      join(dir, 'few'),
    ]);
    expect(stdout).toMatch(/agreement ladder: too few questions .* every preset keeps its cascade/);
    expect(stdout).toMatch(/trained on 20 questions/);
    expect(readdirSync(join(dir, 'few'))).toContain('learned-correctness.json');
    // Published over a deployment whose earlier artifacts chose ladders, it still says: no ladder.
    const ladder = JSON.parse(readFileSync(join(dir, 'few', 'agreement-ladder.json'), 'utf8')) as { data: { ladders: unknown[]; preferredAt: number[] } };
    expect(ladder.data).toMatchObject({ ladders: [], preferredAt: [] });
  }, 60_000);

  it('names the file and line of a line that is no JSON, and of a models file that misses a field, without a stack', async () => {
    const refusal = (args: string[]) =>
      run('npx', ['tsx', 'scripts/train-artifacts.ts', ...args, '--out', join(dir, 'y')]).then(
        () => null,
        (e: { code: number; stderr: string }) => e,
      );
    writeFileSync(join(dir, 'broken.jsonl'), `\uFEFF${lines[0]}\n\n{"id": "q-2", "prompt": "truncated\n`);
    const bad = await refusal(['--data', join(dir, 'broken.jsonl'), '--models', `${ZERO}/models.json`]);
    expect(bad?.code).toBe(2);
    expect(bad?.stderr).toMatch(/^train: .*broken\.jsonl:3: not JSON: /);
    expect(bad?.stderr).not.toMatch(/\n\s+at /);
    writeFileSync(join(dir, 'models.json'), '{"models": [{"name": "m", "input_per_mtok": 1, "output_per_mtok": 2}]}');
    const models = await refusal(['--data', join(dir, 'own.jsonl'), '--models', join(dir, 'models.json')]);
    expect(models?.code).toBe(2);
    expect(models?.stderr).toMatch(/^train: .*models\.json: models\.0\.model_id: /);
  }, 60_000);

  it('reads a number or a boolean written bare where the format has a string (answer, pred) as its text', async () => {
    const x = JSON.parse(lines[0]!) as { outcomes: Record<string, { pred: unknown }> };
    const [first] = Object.keys(x.outcomes);
    x.outcomes[first!]!.pred = 18;
    writeFileSync(join(dir, 'bare.jsonl'), `${JSON.stringify({ ...x, answer: 18 })}\n${lines.slice(1, 20).join('\n')}`);
    const { stdout } = await run('npx', [
      'tsx',
      'scripts/train-artifacts.ts',
      '--data',
      join(dir, 'bare.jsonl'),
      '--models',
      `${ZERO}/models.json`,
      '--out',
      join(dir, 'bare'),
    ]);
    expect(stdout).toMatch(/trained on 20 questions/);
  }, 60_000);

  it('refuses data whose models the price file lacks', async () => {
    const failed = await run('npx', ['tsx', 'scripts/train-artifacts.ts', '--data', join(dir, 'own.jsonl'), '--out', join(dir, 'x')]).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toMatch(/has no price for \d+ model\(s\)/);
  }, 60_000);
});
