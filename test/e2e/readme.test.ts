import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_PROMPT } from '../../scripts/lib/banner';
import { freePort } from '../../scripts/lib/ports';

// The first ten minutes, as a newcomer has them: `npm start` in a checkout that has never run it
// (its own .dev.vars and local D1), its banner's curl pasted as printed, then every `sh` example of
// the README run as written, in order, in one shell, the way the README tells a reader to.

const ROOT = resolve('.');
/** Made by running, never part of a fresh checkout. */
const LOCAL_STATE = new Set(['.git', '.wrangler', '.dev.vars', 'test-output']);

interface Started {
  dir: string;
  port: number;
  gpuPort: number;
  child: ChildProcess;
  /** Everything printed up to and including the banner. */
  output: string;
}

const running: Started[] = [];

/** A fresh copy of the checkout: the tracked files and node_modules linked in, no local state. */
function freshCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-fresh-'));
  for (const name of readdirSync(ROOT)) if (!LOCAL_STATE.has(name)) symlinkSync(join(ROOT, name), join(dir, name));
  return dir;
}

async function npmStart(args: string[] = []): Promise<Started> {
  const dir = freshCheckout();
  const [port, gpuPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', ...args], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), GPU_PORT: String(gpuPort) },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started: Started = { dir, port, gpuPort, child, output: '' };
  running.push(started);
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`npm start printed no banner in 240 s:\n${started.output}`)), 240_000);
    child.stdout!.on('data', (d: Buffer) => {
      started.output += d.toString();
      if (/Try it[^\n]*\n\n[\s\S]*-d '[^\n]*'\n/.test(started.output)) {
        clearTimeout(timer);
        done();
      }
    });
    child.stderr!.on('data', (d: Buffer) => (started.output += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`npm start exited (${code}):\n${started.output}`));
    });
  });
  return started;
}

async function stop(s: Started): Promise<void> {
  if (s.child.exitCode === null) {
    const exited = new Promise((r) => s.child.once('exit', r));
    process.kill(-s.child.pid!, 'SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (s.child.exitCode === null) process.kill(-s.child.pid!, 'SIGKILL');
  }
  rmSync(s.dir, { recursive: true, force: true });
}

afterAll(async () => {
  for (const s of running) await stop(s);
}, 60_000);

function bash(script: string, cwd: string, env: Record<string, string> = {}) {
  return spawnSync('bash', ['-c', script], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 180_000 });
}

/** The README's fenced blocks of one language, in order. */
function blocks(lang: string): string[] {
  const readme = readFileSync('README.md', 'utf8');
  return [...readme.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1]!);
}

describe('the README, on a checkout that never ran', () => {
  it('npm start prints a few progress lines, then a banner whose curl works as pasted; then every README example works as written', async () => {
    const s = await npmStart();
    const before = s.output.slice(0, s.output.indexOf('Conclave is running'));
    expect(before).not.toContain('"success"');
    // As many progress lines as the README says.
    const claimed = /It prints (\w+) progress lines/.exec(readFileSync('README.md', 'utf8'))?.[1];
    const counted = ['four', 'five', 'six', 'seven', 'eight'].indexOf(claimed ?? '') + 4;
    expect(before.trim().split('\n').filter(Boolean), before).toHaveLength(counted);
    expect(s.output).toContain(`http://127.0.0.1:${s.port}/admin`);
    expect(s.output).toContain(`GPU service  http://127.0.0.1:${s.gpuPort}`);
    const env = Object.fromEntries(
      readFileSync(join(s.dir, '.dev.vars'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split('=', 2) as [string, string]),
    );
    expect(s.output).toContain(`DEV_API_KEY=${env.DEV_API_KEY}`);

    const curl = s.output.slice(s.output.lastIndexOf('curl -sS'));
    const pasted = bash(curl.trim(), s.dir);
    expect(pasted.status, pasted.stderr + pasted.stdout).toBe(0);
    expect((JSON.parse(pasted.stdout) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toMatch(/answer is \(?[A-D]/i);

    // The JS example is examples/openai.mjs, word for word (less its header comment).
    const mjs = readFileSync('examples/openai.mjs', 'utf8').replace(/^(\/\/[^\n]*\n)+/, '');
    expect(blocks('js')).toEqual([mjs]);

    // Every sh example but the install commands, in order, in one shell (variables carry over), at
    // the port this start got. The endpoint a reader adds is real and unreachable from here: it is
    // removed again right after its example, so the later examples are not routed to it.
    const examples = blocks('sh').filter((b) => !b.startsWith('npm '));
    expect(examples.length).toBeGreaterThanOrEqual(4);
    const script = [
      'set -euo pipefail',
      ...examples.flatMap((b, i) => [
        `echo "::example ${i + 1}::" >&2`,
        b.replaceAll('127.0.0.1:8787', `127.0.0.1:${s.port}`).trimEnd(),
        ...(b.includes('api.openai.com')
          ? [`curl -sS --fail-with-body -X DELETE http://127.0.0.1:${s.port}/admin/api/experts/gpt-4o-mini -H "authorization: Bearer $ADMIN_TOKEN"`]
          : []),
      ]),
      // The keys exported by the README's first step are the ones npm start wrote.
      `test "$DEV_API_KEY" = "${env.DEV_API_KEY}"`,
    ].join('\n');
    // The endpoint example comes before "Try it" exports the keys: a reader runs it in a shell that has them.
    const r = bash(`set -a; . ./.dev.vars; set +a\n${script}`, s.dir, { PORT: String(s.port) });
    const failedAt = [...r.stderr.matchAll(/::example (\d+)::/g)].at(-1)?.[1];
    expect(r.status, `README sh example ${failedAt} failed:\n${r.stderr}\n${r.stdout.slice(-2000)}`).toBe(0);
    expect(r.stdout).toContain('"replaced":false');
    expect(r.stdout).toContain('# TYPE conclave_routes_total counter');
    expect(r.stdout).toMatch(/"key":"sk-cv-/);

    // What the README says of synthesize, judge and layers over replay experts: they only replay.
    for (const aggregate of ['synthesize', 'judge', 'layers']) {
      const res = await fetch(`http://127.0.0.1:${s.port}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${env.DEV_API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'auto',
          messages: [{ role: 'user', content: EXAMPLE_PROMPT }],
          routing: { strategy: 'fixed', experts: ['gemini-1.5-pro-002', 'gemini-1.5-flash-002', 'Meta-Llama-3_1-70B-Instruct'], aggregate },
        }),
      });
      const body = (await res.json()) as { routing: { aggregation_detail: Record<string, unknown> } };
      expect(res.status, aggregate).toBe(200);
      expect(body.routing.aggregation_detail.degraded_to, aggregate).toBe('vote');
    }
    // And of anything else: refused with 422 `not_recorded`, the client's miss.
    const unrecorded = await fetch(`http://127.0.0.1:${s.port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.DEV_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Write a haiku about autumn' }] }),
    });
    expect(unrecorded.status).toBe(422);
    expect(((await unrecorded.json()) as { error: { code: string; source: string } }).error).toMatchObject({ code: 'not_recorded', source: 'client' });
    await stop(s);
  }, 600_000);

  it('npm start -- --no-gpu starts the gateway alone', async () => {
    const s = await npmStart(['--no-gpu']);
    expect(s.output).toContain('GPU service  not running (started with --no-gpu)');
    const env = Object.fromEntries(
      readFileSync(join(s.dir, '.dev.vars'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split('=', 2) as [string, string]),
    );
    const models = (await (await fetch(`http://127.0.0.1:${s.port}/v1/models`, { headers: { authorization: `Bearer ${env.DEV_API_KEY}` } })).json()) as {
      data: { id: string }[];
    };
    expect(models.data.map((m) => m.id)).toContain('gemini-1.5-pro-002');
    expect(models.data.map((m) => m.id)).not.toContain('gpu-olmoe-demo');
    const help = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/start.ts', '--help'], { encoding: 'utf8' });
    expect(help.stdout).toContain('--no-gpu');
    expect(help.stdout).toContain('PORT');
    await stop(s);
  }, 360_000);
});
