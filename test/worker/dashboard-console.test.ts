import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, chat, replayExpert } from './helpers';
import { formFields, ORIGIN, post, session } from './dashboard-session';

// The operator's console pages: API keys (create, limits, spend against budget, revoke), spend, and
// the 404 page.

const get = async (path: string, s: { cookie: string }) => call(path, { key: null, headers: { cookie: s.cookie } });

describe('dashboard keys', () => {
  it('creates a key, shows its secret once, and lists it with spend against its budgets', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const s = await session();
    const form = await (await get('/admin/keys/new', s)).text();
    expect(form).toContain('<input type="checkbox" name="allowed_experts" value="gemini-1.5-pro-002"');
    const bad = await post('/admin/keys', s, { _csrf: s.csrf, name: 'mobile', daily_budget_usd: 'lots', monthly_budget_usd: '-5', rpm_limit: '2.5' });
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    // What to type, not zod's "Invalid input: expected number, received string".
    expect(badHtml).toMatch(/id="f-daily_budget_usd-error"[^>]*>enter a number</);
    expect(badHtml).toMatch(/id="f-monthly_budget_usd-error"[^>]*>at least 0</);
    expect(badHtml).toMatch(/id="f-rpm_limit-error"[^>]*>enter a whole number</);
    expect(badHtml).toContain('value="lots"');
    expect(await (await post('/admin/keys', s, { _csrf: s.csrf, name: 'mobile', rpm_limit: '0' })).text()).toMatch(/id="f-rpm_limit-error"[^>]*>at least 1</);
    expect((await (await call('/admin/api/keys', { admin: true })).json()) as { data: unknown[] }).toEqual({ data: [] });

    const created = await post('/admin/keys', s, { _csrf: s.csrf, name: 'mobile', daily_budget_usd: '0.5', monthly_budget_usd: '10', rpm_limit: '60' });
    expect(created.status).toBe(200);
    const html = await created.text();
    const secret = /<pre class="text secret">(sk-cv-[^<]+)<\/pre>/.exec(html)![1]!;
    expect(html).toContain('it is shown only this once');
    // The secret works, and the key's spend appears against its budget.
    expect((await chat({ model: 'gemini-1.5-pro-002' }, { key: secret })).status).toBe(200);
    const list = await (await get('/admin/keys', s)).text();
    expect(list).not.toContain(secret);
    expect(list).toMatch(/\$0\.\d+ <span class="muted">of \$0\.5000<\/span><meter min="0" max="1"/);
    expect(list).toContain('<td class="num">60</td>');
    expect(list).toContain('<span class="pill ok">active</span>');
  });

  it('edits a key’s limits and scope, shows its spend per day, and revokes it', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const key = (await (await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'batch-jobs', rpm_limit: 5 } })).json()) as {
      id: string;
      key: string;
    };
    await chat({ model: 'gemini-1.5-pro-002' }, { key: key.key });
    const s = await session();
    const page = await (await get(`/admin/keys/${key.id}`, s)).text();
    expect(page).toContain('<title id="key-spend-t">batch-jobs: spend per day</title>');
    expect(page).toContain('Spend against budget');
    expect(page).toMatch(/in 1 request<\/figcaption>/);
    const fields = formFields(page);
    fields.set('monthly_budget_usd', '25');
    fields.set('rpm_limit', '');
    fields.append('allowed_policies', 'economy');
    const saved = await post(`/admin/keys/${key.id}`, s, {}, ORIGIN, fields);
    expect(saved.status).toBe(303);
    const json = (await (await call(`/admin/api/keys/${key.id}`, { admin: true })).json()) as Record<string, unknown>;
    expect(json).toMatchObject({ name: 'batch-jobs', monthly_budget_usd: 25, rpm_limit: null, allowed_policies: ['economy'], allowed_experts: null });

    const revoked = await post(`/admin/keys/${key.id}/revoke`, s, { _csrf: s.csrf });
    expect(revoked.headers.get('location')).toBe('/admin/keys?done=revoked&name=batch-jobs');
    expect(await (await get('/admin/keys', s)).text()).toContain('<span class="pill error">revoked</span>');
    expect((await chat({ model: 'gemini-1.5-pro-002' }, { key: key.key })).status).toBe(401);
    expect((await get('/admin/keys/key_missing', s)).status).toBe(404);
  });

  it('asks before revoking a key, as before deleting an expert: Revoke opens a page whose button (with CSRF) does it', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const key = (await (await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'nightly' } })).json()) as { id: string; key: string };
    const s = await session();
    const confirmPath = `/admin/keys/${key.id}/revoke`;
    // The list's and the key page's Revoke are links to the confirmation, not forms that revoke.
    const list = await (await get('/admin/keys', s)).text();
    expect(list).toContain(`<a class="button" href="${confirmPath}" aria-label="Revoke nightly">Revoke</a>`);
    expect(list).not.toContain(`action="${confirmPath}"`);
    const keyPage = await (await get(`/admin/keys/${key.id}`, s)).text();
    expect(keyPage).toContain(`<a class="button" href="${confirmPath}">Revoke this key</a>`);
    expect(keyPage).not.toContain(`action="${confirmPath}"`);

    const confirm = await get(confirmPath, s);
    expect(confirm.status).toBe(200);
    const html = await confirm.text();
    expect(html).toContain('<h1>Revoke key nightly?</h1>');
    expect(html).toContain(`<form method="post" action="${confirmPath}" class="stack"><input type="hidden" name="_csrf" value="${s.csrf}"/>`);
    expect(html).toContain('<button class="danger" type="submit">Revoke nightly</button>');
    expect(html).toContain('<a class="button" href="/admin/keys">Cancel</a>');
    // Opening the page revokes nothing; a post without the CSRF token neither.
    expect((await chat({ model: 'gemini-1.5-pro-002' }, { key: key.key })).status).toBe(200);
    expect((await post(confirmPath, { cookie: s.cookie }, {})).status).toBe(403);
    expect((await chat({ model: 'gemini-1.5-pro-002' }, { key: key.key })).status).toBe(200);

    const revoked = await post(confirmPath, s, {});
    expect(revoked.headers.get('location')).toBe('/admin/keys?done=revoked&name=nightly');
    expect((await chat({ model: 'gemini-1.5-pro-002' }, { key: key.key })).status).toBe(401);
    // Asked again, the page says it is done and offers nothing to press.
    const again = await (await get(confirmPath, s)).text();
    expect(again).toMatch(/Key <strong>nightly<\/strong> was revoked on \d{4}-\d\d-\d\d/);
    expect(again).not.toContain(`action="${confirmPath}"`);
    expect((await get('/admin/keys/key_missing/revoke', s)).status).toBe(404);
  });
});

describe('dashboard spend', () => {
  it('shows spend per key, policy and expert, per day or month', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const key = (await (await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'team-a' } })).json()) as { id: string; key: string };
    await chat({ model: 'gemini-1.5-pro-002' }, { key: key.key });
    await chat({ model: 'gemini-1.5-pro-002' });
    const s = await session();
    const byKey = await (await get('/admin/spend', s)).text();
    expect(byKey).toContain('<a href="/admin/spend" aria-current="page">Spend</a>');
    expect(byKey).toContain(`<a href="/admin/keys/${key.id}">team-a</a>`);
    expect(byKey).toContain('<th scope="row">dev key</th>');
    expect(byKey).toContain('<title id="spend-periods-t">Spend per day</title>');
    expect(byKey).toContain('<figcaption>Spend per API key</figcaption>');
    expect(byKey).toContain('API keys with spend');
    const byPolicy = await (await get('/admin/spend?by=policy', s)).text();
    expect(byPolicy).toContain('<figcaption>Spend per policy</figcaption>');
    expect(byPolicy).toContain('Policies with spend');
    const byExpert = await (await get('/admin/spend?by=expert&period=month', s)).text();
    expect(byExpert).toContain('<th scope="row">gemini-1.5-pro-002</th><td class="num">2</td>');
    expect(byExpert).toContain('Spend per month');
    // A bad choice falls back to the defaults rather than failing, a prototype key too.
    for (const qs of ['by=weather', 'by=toString', 'period=constructor']) expect((await get(`/admin/spend?${qs}`, s)).status, qs).toBe(200);
    for (const qs of ['window=constructor', 'window=__proto__']) expect((await get(`/admin?${qs}`, s)).status, qs).toBe(200);
  });
});

describe('dashboard 404', () => {
  it('an unknown page is a 404 page inside the layout, after sign-in; the API’s stays JSON', async () => {
    const s = await session();
    const res = await get('/admin/no-such-page', s);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('<nav aria-label="Dashboard">');
    expect(html).toContain('The page /admin/no-such-page does not exist');
    expect((await get('/admin/experts/a/b/c/d', s)).status).toBe(404);
    const signedOut = await call('/admin/no-such-page', { key: null });
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Fno-such-page');
    const api = await call('/admin/api/no-such-thing', { admin: true });
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect(env.ADMIN_TOKEN).toBeTruthy();
  });
});
