import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoCheckpoint } from '../../gpu-service/src/demo/write.js';
import { startServer, type RunningServer } from '../../gpu-service/src/server/listen.js';
import { loadService } from '../../gpu-service/src/service.js';
import { SKILL_ARTIFACT } from '../../router/skill/profiles';
import { CHROMIUM_ARGS, ensureChromium } from '../../scripts/lib/browser';
import { loadExamples, loadModels } from '../../scripts/lib/dataset';
import { GPU_EXPERT_ID, gpuExpertSql } from '../../scripts/lib/seed';
import { GPU_API_KEY_SECRET } from '../../scripts/lib/dev-vars';
import { countActivations } from '../../worker/dashboard/moe-trace';
import { HEATMAP_KEYWORDS } from '../../worker/dashboard/pages/skill-map';
import { startGateway, type RunningGateway } from '../support/gateway';

// The operator's path through the dashboard in headless Chromium (Debian's package, driven by
// playwright-core) against the real gateway under `wrangler dev`, seeded like `npm start` (replay
// experts, trained router artifacts, the GPU service on its demo checkpoint registered as an
// expert): sign in, add an expert after a validation error, route a request through the API, find
// it in the history, open it, read the overview, test an expert, read the skill and activation heat
// maps, preview, save and delete a policy, make the routers learn from the feedback, disable and
// delete the expert, revoke the key, sign out. Every page is saved under test-output/screenshots/
// for a human look.

const SHOTS = 'test-output/screenshots';
const example = loadExamples('data/mmlu-pro-routing/dev.jsonl.gz')[42]!;
const REPLAY_EXPERTS = loadModels().length;

let gw: RunningGateway;
let gpu: RunningServer;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

/** The GPU service on its demo checkpoint behind its API key, registered with the SQL `npm start` uses. */
const GPU_KEY = `gpu-test-${Math.random().toString(36).slice(2)}`;
async function startGpuExpert(): Promise<RunningServer> {
  const server = await startServer(loadService(ensureDemoCheckpoint('olmoe'), { id: GPU_EXPERT_ID }), 0, '127.0.0.1', { apiKey: GPU_KEY });
  const r = spawnSync('npx', ['wrangler', 'd1', 'execute', 'conclave', '--local', '--persist-to', gw.persistDir, '--command', gpuExpertSql(server.url)], {
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
  if (r.status !== 0) throw new Error(`registering the GPU expert failed:\n${r.stdout}\n${r.stderr}`);
  return server;
}

beforeAll(async () => {
  const executablePath = ensureChromium();
  for (const dir of ['', '/laptop', '/phone']) mkdirSync(SHOTS + dir, { recursive: true });
  gw = await startGateway({ vars: { [GPU_API_KEY_SECRET]: GPU_KEY } });
  gpu = await startGpuExpert();
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  // What a page loads that fails (a 404 favicon, say) is an error in the operator's console. A
  // page's own 4xx (a form sent back with its errors, the not-found page) is meant, so not counted.
  page.on('console', (m) => {
    if (m.type() === 'error' && m.location().url !== page.url()) consoleErrors.push(`${page.url()}: ${m.text()} (${m.location().url})`);
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
  await gpu?.shutdown();
});

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

/**
 * Every form control has a label, every button and link a name: checked on each page. Page scripts
 * are strings because this project type-checks without the DOM library.
 */
const UNLABELLED = `(() => {
  const bad = [];
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    if (!el.labels?.length && !el.getAttribute('aria-label')) bad.push(el.outerHTML.slice(0, 120));
  }
  for (const el of document.querySelectorAll('button, a[href]')) {
    if (!(el.getAttribute('aria-label') ?? el.textContent ?? '').trim()) bad.push(el.outerHTML.slice(0, 120));
  }
  return bad;
})()`;

async function expectLabelled(): Promise<void> {
  expect(await page.evaluate<string[]>(UNLABELLED)).toEqual([]);
}

function focused(what: 'id' | 'text'): Promise<string | undefined> {
  return page.evaluate<string | undefined>(what === 'id' ? 'document.activeElement?.id' : 'document.activeElement?.textContent?.trim()');
}

/** The `<title>` of every cell of a heat map, in document order (row by row). */
function heatCells(figure: string): Promise<string[]> {
  return page.locator(`${figure} svg.heatmap rect > title`).allTextContents();
}

/** The cells of the table row whose header is `rowHeader`, once the row is there. */
async function rowCells(rowHeader: string): Promise<string[]> {
  const row = page
    .locator('tbody tr')
    .filter({ has: page.getByRole('rowheader', { name: rowHeader }) })
    .first();
  await row.waitFor();
  return row.locator('td').allTextContents();
}

/** After a change the list opens at the changed row (`url` ends with its fragment), in view, not at the top of the list. */
async function expectAtRow(url: string, rowId: string): Promise<void> {
  expect(page.url()).toBe(`${gw.url}${url}#${rowId}`);
  const box = `document.getElementById('${rowId}').getBoundingClientRect()`;
  expect(await page.evaluate<boolean>(`${box}.top > 0 && ${box}.bottom < window.innerHeight`)).toBe(true);
}

describe('the admin dashboard in a browser', () => {
  it('walks every page: experts, history, overview, heat maps, policies, router learning, sign-out', async () => {
    await page.goto(`${gw.url}/admin/experts`);
    await expect.poll(() => page.url()).toContain('/admin/login?next=%2Fadmin%2Fexperts');
    await expectLabelled();
    await shot('01-sign-in');

    // Keyboard only: the token field has focus, Enter submits.
    await expect.poll(() => focused('id')).toBe('f-token');
    await page.keyboard.type(gw.adminToken);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${gw.url}/admin/experts`);
    const [cookie] = await page.context().cookies();
    // Secure is off only because this is plain-HTTP 127.0.0.1 (the worker tests cover the rest).
    expect(cookie).toMatchObject({ name: 'conclave_admin', httpOnly: true, sameSite: 'Strict', path: '/admin', secure: false });
    await expect.poll(() => page.locator('tbody tr').count()).toBe(REPLAY_EXPERTS + 1);
    // The first Tab reaches the skip link, which moves focus to the content.
    await page.keyboard.press('Tab');
    expect(await focused('text')).toBe('Skip to content');
    await expectLabelled();
    await shot('02-experts');

    await page.getByRole('link', { name: 'Add expert' }).click();
    await page.getByLabel('Expert id').fill('bad id!');
    await page.getByLabel('Provider').selectOption('replay');
    await page.getByLabel('Model id').fill('gemini-1.5-pro-002');
    await page.getByLabel('Input price (USD / M tokens)').fill('1.25');
    await page.getByLabel('Output price (USD / M tokens)').fill('five');
    await page.getByRole('button', { name: 'Add expert' }).click();
    await expect.poll(() => page.locator('#f-id-error').textContent()).toContain('letters, digits and . _ : / - only');
    expect(await page.locator('#f-output_price_per_mtok-error').textContent()).toBe('enter a number');
    expect(await page.getByLabel('Expert id').getAttribute('aria-describedby')).toContain('f-id-error');
    await expectLabelled();
    await shot('03-add-expert-validation');

    await page.getByLabel('Expert id').fill('pro-via-dashboard');
    await page.getByLabel('Output price (USD / M tokens)').fill('5');
    await page.getByRole('button', { name: 'Add expert' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('pro-via-dashboard added');
    await expectAtRow('/admin/experts?done=added&id=pro-via-dashboard', 'expert-pro-via-dashboard');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(REPLAY_EXPERTS + 2);

    // A request through the public API, answered by the new expert.
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'pro-via-dashboard', messages: [{ role: 'user', content: example.prompt }] }),
    });
    expect(res.status).toBe(200);
    const routeId = res.headers.get('x-route-id')!;

    await page.getByRole('link', { name: 'Routing history' }).click();
    await page.getByLabel('Expert called').fill('pro-via-dashboard');
    await page.getByRole('button', { name: 'Search' }).click();
    // The history row is written after the response (waitUntil): reload until it is there.
    await expect
      .poll(async () => {
        await page.reload();
        return page.locator(`a[href="/admin/routes/${routeId}"]`).count();
      })
      .toBe(1);
    await expectLabelled();
    await shot('04-history');

    const rated = await fetch(`${gw.url}/v1/feedback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ route_id: routeId, score: 1, comment: 'right answer' }),
    });
    expect(rated.status).toBe(201);
    await page.locator(`a[href="/admin/routes/${routeId}"]`).click();
    await page.waitForURL(`${gw.url}/admin/routes/${routeId}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`Route ${routeId}`);
    expect(await page.locator('pre.text').first().textContent()).toBe(example.prompt);
    expect(await page.locator('section h3').first().textContent()).toContain('pro-via-dashboard');
    expect(await page.locator('main').textContent()).toContain('“right answer”');
    // The calls really made, on a time line.
    expect(await page.locator('#calls-timeline-t').textContent()).toBe('Time line of the calls');
    await expectLabelled();
    await shot('05-route');

    // Full-text search over prompts and answers finds it by words of its question.
    await page.getByRole('link', { name: 'Routing history', exact: true }).click();
    const words = example.prompt
      .split(/\s+/)
      .filter((w) => /^[a-z]{6,}$/i.test(w))
      .slice(0, 2)
      .join(' ');
    await page.getByLabel('Search prompts and answers').fill(words);
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator(`a[href="/admin/routes/${routeId}"]`).count()).toBe(1);
    await page.getByLabel('Search prompts and answers').fill('zzzunfindable');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('No routes match.');

    // An API key: created with its secret shown once, it answers, and its spend shows against its budget.
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('link', { name: 'New key' }).click();
    await page.getByLabel('Name').fill('browser-team');
    await page.getByLabel('Daily budget (USD)').fill('2');
    await page.getByLabel('Requests per minute').fill('30');
    await expectLabelled();
    await shot('15-new-key');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.locator('pre.secret').textContent())!;
    expect(secret).toMatch(/^sk-cv-/);
    await shot('16-key-created');
    const keyed = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'pro-via-dashboard', messages: [{ role: 'user', content: example.prompt }] }),
    });
    expect(keyed.status).toBe(200);
    expect(keyed.headers.get('x-ratelimit-remaining-requests')).toBe('29');
    await expect
      .poll(async () => {
        await page.goto(`${gw.url}/admin/keys`);
        return page.locator('tr', { hasText: 'browser-team' }).locator('meter').first().getAttribute('value');
      })
      .not.toBe('0');
    await expectLabelled();
    await shot('17-keys');
    await page.getByRole('link', { name: 'Edit browser-team' }).click();
    expect(await page.locator('#key-spend-t').textContent()).toBe('browser-team: spend per day');
    await shot('18-key');

    await page.getByRole('link', { name: 'Spend', exact: true }).click();
    await page.getByLabel('Per', { exact: true }).selectOption('expert');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.locator('tbody th', { hasText: 'pro-via-dashboard' }).count()).toBe(1);
    await expectLabelled();
    await shot('19-spend');

    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByLabel('Time window').selectOption('6h');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(`${gw.url}/admin?window=6h`);
    expect(await page.locator('svg[role=img]').count()).toBe(5);
    // The dashboard's request and the new key's.
    expect(await page.locator('.card .value').first().textContent()).toBe('2');
    expect(await page.locator('.card', { hasText: 'Accuracy (1 rating)' }).locator('.value').textContent()).toBe('100%');
    expect(await page.locator('#share-d').textContent()).toContain('pro-via-dashboard 100%');
    await expectLabelled();
    await shot('06-overview');

    // The expert's health over the last hour: one call, no errors, latencies, closed circuit.
    await page.getByRole('link', { name: 'Experts' }).click();
    await page.waitForURL(`${gw.url}/admin/experts`);
    const health = await rowCells('pro-via-dashboard');
    expect(health.slice(4, 6)).toEqual(['2', '0%']);
    expect(health[6]).toMatch(/^[\d.]+ ms \/ [\d.]+ ms$/);
    expect(health[7]).toBe('closed');

    await page.getByRole('link', { name: 'Test pro-via-dashboard' }).click();
    await page.getByLabel('Prompt').fill(example.prompt);
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.locator('pre.text').textContent()).toBe(example.outcomes['gemini-1.5-pro-002']!.text);
    expect(await page.locator('dl.facts').textContent()).toMatch(/Latency[\d.]+ msCost\$0\.\d+/);
    await expectLabelled();
    await shot('07-expert-test');

    // The seeded skill-profiles artifact: every replay expert × the keywords that separate them most.
    await page.getByRole('link', { name: 'Back to experts' }).click();
    await page.waitForURL(`${gw.url}/admin/experts`);
    const skills = page.locator('figure', { has: page.locator('svg.heatmap') });
    expect(await skills.locator('figcaption').textContent()).toBe(
      `Skill profiles (${SKILL_ARTIFACT} v1): ${REPLAY_EXPERTS} experts × the ${HEATMAP_KEYWORDS} keywords that separate them most`,
    );
    const skillCells = await heatCells('figure');
    expect(skillCells).toHaveLength(REPLAY_EXPERTS * HEATMAP_KEYWORDS);
    expect(skillCells[0]).toMatch(/^expert DeepSeek-Coder-V2, keyword \S.*: [+-]?\d+$/);
    expect(new Set(skillCells.map((t) => t.split(':').at(-1))).size).toBeGreaterThan(10);
    await skills.scrollIntoViewIfNeeded();
    await skills.screenshot({ path: `${SHOTS}/08-skill-heatmap.png` });

    // The GPU service's per-layer expert activations for a prompt, as the service itself traced it.
    const trace = countActivations(
      await (
        await fetch(`${gpu.url}/v1/moe/trace`, {
          method: 'POST',
          headers: { authorization: `Bearer ${GPU_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: example.prompt }),
        })
      ).json(),
    );
    await page.getByRole('link', { name: `Expert activations of ${GPU_EXPERT_ID}` }).click();
    await page.getByLabel('Prompt to trace').fill(example.prompt);
    await page.getByRole('button', { name: 'Trace' }).click();
    await expect
      .poll(() => page.locator('figcaption').textContent())
      .toBe(
        `${GPU_EXPERT_ID}: ${trace.tokens} prompt tokens × top-${trace.topK} routing over ${trace.numExperts} experts in ${trace.layers.length} MoE layers`,
      );
    expect(await heatCells('figure')).toEqual(trace.layers.flatMap((layer, row) => trace.counts[row]!.map((n, e) => `layer ${layer}, expert ${e}: ${n}`)));
    await expectLabelled();
    await shot('09-activations');

    await page.getByRole('link', { name: 'Policies' }).click();
    await page.waitForURL(`${gw.url}/admin/policies`);
    expect(await page.locator('tbody th[scope=row]').allTextContents()).toEqual(
      expect.arrayContaining(['autobuilt-in', 'economybuilt-in', 'qualitybuilt-in', 'balancedbuilt-in']),
    );
    // auto is the balanced preset, knob for knob.
    expect((await rowCells('auto')).slice(0, 7)).toEqual((await rowCells('balanced')).slice(0, 7));
    await expectLabelled();
    await shot('10-policies');
    await page.getByRole('link', { name: 'New policy' }).click();
    await page.getByLabel('Name', { exact: true }).fill('cheap-trio');
    await page.getByLabel('Strategy', { exact: true }).selectOption('all');
    await page.getByLabel('k (experts to call)').fill('3');
    await page.getByLabel('Aggregation', { exact: true }).selectOption('vote');
    await page.getByLabel('Cost cap per request (USD)').fill('0.0002');
    const allowed = ['gemini-1.5-flash-002', 'gemma-7b', 'Mistral-7B-v0.1', 'jamba-1.5-large'];
    const allowBox = page.getByRole('group', { name: 'Allowed experts (none ticked: all)' });
    for (const id of allowed) await allowBox.getByLabel(id, { exact: true }).check();
    await page.getByLabel('Prompt to preview').fill(example.prompt);
    await page.getByRole('button', { name: 'Preview routing' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Routing preview' }).count()).toBe(1);
    // The answer lands in view, below the long form.
    expect(page.url()).toBe(`${gw.url}/admin/policies/preview#preview`);
    const previewTop = "document.getElementById('preview-h').getBoundingClientRect().top";
    expect(await page.evaluate<boolean>(`${previewTop} >= 0 && ${previewTop} < window.innerHeight - 100`)).toBe(true);
    // `all` takes the 3 cheapest allowed experts; the third does not fit the cost cap with the first two.
    const preview = page.locator('section[aria-labelledby=preview-h]');
    expect(await preview.locator('tbody th[scope=row]').allTextContents()).toEqual(allowed);
    expect(await preview.getByRole('status').textContent()).toContain('would call gemini-1.5-flash-002, gemma-7b; 4 experts eligible');
    expect((await rowCells('Mistral-7B-v0.1')).at(-1)).toBe('stage 0: over the cost cap, skipped');
    expect((await rowCells('jamba-1.5-large')).at(-1)).toBe('');
    await expectLabelled();
    await shot('11-policy-preview');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('cheap-trio saved');
    await expectAtRow('/admin/policies?done=saved&name=cheap-trio', 'policy-cheap-trio');
    // Deleting a policy cannot be undone: its Delete asks first, on a page of its own.
    await page.getByRole('link', { name: 'Delete cheap-trio' }).click();
    await page.waitForURL(`${gw.url}/admin/policies/cheap-trio/delete`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Delete policy cheap-trio?');
    expect(await page.locator('main form p').textContent()).toContain('Requests naming cheap-trio as model get 404');
    await expectLabelled();
    await shot('22-delete-policy');
    await page.getByRole('button', { name: 'Delete cheap-trio' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('cheap-trio deleted');
    expect(await page.getByRole('rowheader', { name: /^cheap-trio/ }).count()).toBe(0);

    // The routers learn from the rating above, on request, by keyboard.
    await page.getByRole('link', { name: 'Router' }).click();
    await page.waitForURL(`${gw.url}/admin/router`);
    expect(await rowCells(SKILL_ARTIFACT).then((c) => [c[0], c[2]])).toEqual(['1', 'none yet']);
    await expectLabelled();
    await page.getByRole('button', { name: 'Learn from feedback now' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/Read 1 new rating, 1 of them with per-expert outcomes\. Saved .*skill-profiles@2/);
    expect(await rowCells(SKILL_ARTIFACT).then((c) => [c[0], c[2]])).toEqual(['2', '#1']);
    await shot('12-router-learned');

    // The learned profiles now have a row for the new expert, which the rating said was right.
    await page.getByRole('link', { name: 'Experts' }).click();
    await page.waitForURL(`${gw.url}/admin/experts`);
    expect(await page.locator('figure figcaption').textContent()).toContain(`(${SKILL_ARTIFACT} v2): ${REPLAY_EXPERTS + 1} experts`);
    expect((await heatCells('figure')).filter((t) => t.startsWith('expert pro-via-dashboard,'))).toHaveLength(HEATMAP_KEYWORDS);

    await page.getByRole('link', { name: 'Edit pro-via-dashboard' }).click();
    await page.getByLabel('Skills').fill('math, finance');
    await expectLabelled();
    await shot('13-edit-expert');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('pro-via-dashboard saved');
    await expectAtRow('/admin/experts?done=saved&id=pro-via-dashboard', 'expert-pro-via-dashboard');
    expect((await rowCells('pro-via-dashboard'))[3]).toBe('math, finance');

    await page.getByRole('button', { name: 'Disable pro-via-dashboard' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('pro-via-dashboard disabled');
    await expectAtRow('/admin/experts?done=disabled&id=pro-via-dashboard', 'expert-pro-via-dashboard');
    expect((await rowCells('pro-via-dashboard'))[1]).toBe('disabled');
    await page.getByRole('link', { name: 'Delete pro-via-dashboard' }).click();
    await expectLabelled();
    await shot('14-delete-expert');
    await page.getByRole('button', { name: 'Delete pro-via-dashboard' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('pro-via-dashboard deleted');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(REPLAY_EXPERTS + 1);

    // Revoking a key cannot be undone: its Revoke asks first, on a page of its own.
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('link', { name: 'Revoke browser-team' }).click();
    await page.waitForURL(/\/admin\/keys\/key_[\w-]+\/revoke$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Revoke key browser-team?');
    await expectLabelled();
    await shot('21-revoke-key');
    await page.getByRole('button', { name: 'Revoke browser-team' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('browser-team revoked');
    const refused = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'pro-via-dashboard', messages: [{ role: 'user', content: example.prompt }] }),
    });
    expect(refused.status).toBe(401);

    await page.goto(`${gw.url}/admin/no-such-page`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not found');
    expect(await page.getByRole('navigation', { name: 'Dashboard' }).count()).toBe(1);
    await shot('20-not-found');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('You are signed out.');
    await page.goto(`${gw.url}/admin/experts`);
    await expect.poll(() => page.url()).toContain('/admin/login');
  }, 300_000);

  it('every page at a laptop and a phone size: nothing scrolls sideways but tables, no action out of reach, no chart text clipped', async () => {
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.context().clearCookies();
    await page.goto(`${gw.url}/admin/login`);
    await shotAt('login', 'laptop');
    await page.getByLabel('Admin token').fill(gw.adminToken);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${gw.url}/admin`);
    const routes = (await (await fetch(`${gw.url}/admin/api/routes?limit=1`, { headers: { authorization: `Bearer ${gw.adminToken}` } })).json()) as {
      data: { id: string }[];
    };
    const keys = (await (await fetch(`${gw.url}/admin/api/keys`, { headers: { authorization: `Bearer ${gw.adminToken}` } })).json()) as {
      data: { id: string }[];
    };
    const pages: Record<string, string> = {
      overview: '/admin',
      experts: '/admin/experts',
      'expert-new': '/admin/experts/new',
      'expert-test': `/admin/experts/${GPU_EXPERT_ID}/test`,
      activation: `/admin/experts/${GPU_EXPERT_ID}/activation`,
      policies: '/admin/policies',
      'policy-auto': '/admin/policies/auto',
      history: '/admin/routes',
      route: `/admin/routes/${routes.data[0]!.id}`,
      keys: '/admin/keys',
      'key-new': '/admin/keys/new',
      key: `/admin/keys/${keys.data[0]!.id}`,
      'key-revoke': `/admin/keys/${keys.data[0]!.id}/revoke`,
      spend: '/admin/spend',
      router: '/admin/router',
      'not-found': '/admin/no-such-page',
    };
    const problems: string[] = [];
    for (const [viewport, size] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(size);
      for (const [name, path] of Object.entries(pages)) {
        await page.goto(`${gw.url}${path}`);
        await shotAt(name, viewport);
        const layout = (await page.evaluate(LAYOUT_PROBLEMS)) as string[];
        problems.push(...layout.map((p) => `${viewport} ${path}: ${p}`));
      }
    }
    expect(problems).toEqual([]);
  }, 300_000);

  it('no page logged an error in the console', () => {
    expect(consoleErrors).toEqual([]);
  });
});

const VIEWPORTS = { laptop: { width: 1366, height: 768 }, phone: { width: 390, height: 844 } };

async function shotAt(name: string, viewport: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}/${viewport}/${name}.png`, fullPage: true });
}

/**
 * The page itself never scrolls sideways (wide tables scroll inside their own frame), every
 * action in a table is within the frame's visible part without scrolling it, and no chart text is
 * clipped by its chart's edge.
 */
const LAYOUT_PROBLEMS = `(() => {
  const out = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1) out.push('the page scrolls sideways (' + doc.scrollWidth + ' > ' + doc.clientWidth + ')');
  if (window.innerWidth >= 1000) {
    for (const el of document.querySelectorAll('td .actions a, td .actions button')) {
      const frame = el.closest('.table-wrap').getBoundingClientRect();
      const r = el.getBoundingClientRect();
      if (r.right > frame.right + 1 || r.left < frame.left - 1) out.push('action "' + el.textContent.trim() + '" is cut off');
    }
  }
  // A chart's text outside its svg is clipped: an axis label would lose its first characters.
  for (const svg of document.querySelectorAll('svg.chart')) {
    const box = svg.getBoundingClientRect();
    for (const t of svg.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) out.push('chart text "' + t.textContent + '" is cut off');
    }
  }
  // A chart's box never touches what comes below it (the table under the charts on the spend and route pages).
  for (const box of document.querySelectorAll('main figure, main .charts')) {
    const next = box.nextElementSibling;
    if (!next) continue;
    const a = box.getBoundingClientRect();
    const b = next.getBoundingClientRect();
    const below = b.left < a.right - 1 && b.right > a.left + 1 && b.top > a.top;
    if (below && b.top - a.bottom < 8) out.push('a chart box touches the ' + next.tagName.toLowerCase() + ' below it (' + Math.round(b.top - a.bottom) + ' px apart)');
  }
  return out;
})()`;
