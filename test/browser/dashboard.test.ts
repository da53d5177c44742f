import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExamples } from '../../scripts/lib/dataset';
import { startGateway, type RunningGateway } from '../support/gateway';

// The operator's path through the dashboard in headless Chromium (Debian's package, driven by
// playwright-core) against the real gateway under `wrangler dev`: sign in, add an expert after a
// validation error, route a request through the API, find it in the history, open it, sign out.
// Every page is saved under test-output/screenshots/ for a human look.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = 'test-output/screenshots';
const example = loadExamples('data/mmlu-pro-routing/dev.jsonl.gz')[42]!;

let gw: RunningGateway;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`);
  }
  mkdirSync(SHOTS, { recursive: true });
  gw = await startGateway();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
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

describe('the admin dashboard in a browser', () => {
  it('signs in, adds an expert past a validation error, finds a routed request in the history, signs out', async () => {
    await page.goto(`${gw.url}/admin/experts`);
    await expect.poll(() => page.url()).toContain('/admin/login?next=%2Fadmin%2Fexperts');
    await expectLabelled();
    await shot('01-sign-in');

    // Keyboard only: the token field has focus, Enter submits.
    await expect.poll(() => focused('id')).toBe('f-token');
    await page.keyboard.type(gw.adminToken);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${gw.url}/admin/experts`);
    await expect.poll(() => page.locator('tbody tr').count()).toBe(29);
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
    expect(await page.locator('#f-output_price_per_mtok-error').textContent()).toContain('expected number');
    expect(await page.getByLabel('Expert id').getAttribute('aria-describedby')).toContain('f-id-error');
    await expectLabelled();
    await shot('03-add-expert-validation');

    await page.getByLabel('Expert id').fill('pro-via-dashboard');
    await page.getByLabel('Output price (USD / M tokens)').fill('5');
    await page.getByRole('button', { name: 'Add expert' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('pro-via-dashboard added');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(30);

    // A request through the public API, answered by the new expert.
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'pro-via-dashboard', messages: [{ role: 'user', content: example.prompt }] }),
    });
    expect(res.status).toBe(200);
    const routeId = res.headers.get('x-route-id')!;

    await page.getByRole('link', { name: 'Routing history' }).click();
    await page.getByLabel('Expert', { exact: true }).fill('pro-via-dashboard');
    await page.getByRole('button', { name: 'Filter' }).click();
    // The history row is written after the response (waitUntil): reload until it is there.
    await expect
      .poll(async () => {
        await page.reload();
        return page.locator(`a[href="/admin/routes/${routeId}"]`).count();
      })
      .toBe(1);
    await expectLabelled();
    await shot('04-history');

    await page.locator(`a[href="/admin/routes/${routeId}"]`).click();
    await page.waitForURL(`${gw.url}/admin/routes/${routeId}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`Route ${routeId}`);
    expect(await page.locator('pre.text').first().textContent()).toBe(example.prompt);
    expect(await page.locator(`section h3`).first().textContent()).toContain('pro-via-dashboard');
    await shot('05-route');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('You are signed out.');
    await page.goto(`${gw.url}/admin/experts`);
    await expect.poll(() => page.url()).toContain('/admin/login');
  });
});
