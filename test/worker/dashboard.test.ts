import { describe, expect, it } from 'vitest';
import { ADMIN, call, chat, replayExpert } from './helpers';

// The dashboard's session, CSRF and form handling, through the Worker's fetch handler.

const ORIGIN = 'http://gateway.test';

function form(fields: Record<string, string>): URLSearchParams {
  return new URLSearchParams(fields);
}

async function signIn(token = ADMIN): Promise<Response> {
  return call('/admin/login', { method: 'POST', key: null, body: form({ token, next: '/admin/experts' }), headers: { origin: ORIGIN } });
}

async function session(): Promise<{ cookie: string; csrf: string }> {
  const res = await signIn();
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const page = await (await call('/admin/experts', { key: null, headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  return { cookie, csrf };
}

function post(path: string, s: { cookie: string; csrf?: string }, fields: Record<string, string>, origin: string | null = ORIGIN) {
  const headers: Record<string, string> = { cookie: s.cookie };
  if (origin) headers.origin = origin;
  return call(path, { method: 'POST', key: null, headers, body: form({ ...(s.csrf ? { _csrf: s.csrf } : {}), ...fields }) });
}

describe('dashboard sign-in', () => {
  it('sends signed-out visitors to the sign-in page, remembering where they were going', async () => {
    const res = await call('/admin/routes?status=ok', { key: null });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Froutes%3Fstatus%3Dok');
    const login = await call('/admin/login', { key: null });
    expect(login.status).toBe(200);
    const html = await login.text();
    expect(html).toContain('<label for="f-token">Admin token</label>');
    expect(login.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('refuses a wrong token with the message next to the field', async () => {
    const res = await signIn('nope');
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toContain('That is not the admin token.');
  });

  it('sets an HttpOnly, SameSite=Strict, /admin-scoped session cookie (Secure off localhost) and redirects to next', async () => {
    const res = await signIn();
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/experts');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^conclave_admin=[\w-]+\.\d+\.[\w-]+;/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/admin');
    expect(cookie).toContain('Secure');
  });

  it('never redirects off the dashboard after sign-in', async () => {
    for (const next of ['https://evil.test/', '//evil.test/admin', '/admin/api/keys', '/\\evil.test']) {
      const res = await call('/admin/login', { method: 'POST', key: null, body: form({ token: ADMIN, next }), headers: { origin: ORIGIN } });
      expect(res.headers.get('location')).toBe('/admin');
    }
  });

  it('rejects a tampered or foreign session cookie', async () => {
    const { cookie } = await session();
    const [name, value] = cookie.split('=') as [string, string];
    const [sid, exp, sig] = value.split('.') as [string, string, string];
    const later = `${name}=${sid}.${Number(exp) + 1e9}.${sig}`;
    expect((await call('/admin/experts', { key: null, headers: { cookie: later } })).status).toBe(303);
    expect((await call('/admin/experts', { key: null, headers: { cookie } })).status).toBe(200);
    // A session signed under another ADMIN_TOKEN is worthless after rotation.
    expect((await call('/admin/experts', { key: null, headers: { cookie }, env: { ADMIN_TOKEN: 'rotated-token' } })).status).toBe(303);
  });

  it('signs out: the cookie is cleared', async () => {
    const s = await session();
    const res = await post('/admin/logout', s, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/login?signed_out');
    expect(res.headers.get('set-cookie')).toMatch(/^conclave_admin=;.*Max-Age=0/);
  });
});

describe('dashboard CSRF protection', () => {
  it('refuses writes without the token, with another session’s token, or from another origin', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const s = await session();
    const other = await session();
    const disable = { enabled: 'off' };
    expect((await post('/admin/experts/gemini-1.5-pro-002/enabled', { cookie: s.cookie }, disable)).status).toBe(403);
    expect((await post('/admin/experts/gemini-1.5-pro-002/enabled', { cookie: s.cookie, csrf: other.csrf }, disable)).status).toBe(403);
    expect((await post('/admin/experts/gemini-1.5-pro-002/enabled', s, disable, 'https://evil.test')).status).toBe(403);
    const expert = (await (await call('/admin/api/experts/gemini-1.5-pro-002', { admin: true })).json()) as { enabled: boolean };
    expect(expert.enabled).toBe(true);
    const ok = await post('/admin/experts/gemini-1.5-pro-002/enabled', s, disable);
    expect(ok.status).toBe(303);
    expect(((await (await call('/admin/api/experts/gemini-1.5-pro-002', { admin: true })).json()) as { enabled: boolean }).enabled).toBe(false);
  });

  it('leaves the JSON API on its bearer token', async () => {
    const { cookie } = await session();
    expect((await call('/admin/api/experts', { key: null, headers: { cookie } })).status).toBe(401);
    expect((await call('/admin/api/nope', { admin: true })).status).toBe(404);
  });
});

describe('dashboard experts', () => {
  const valid = { id: 'tgi-local', provider: 'openai', model: 'my-model', endpoint_url: 'http://127.0.0.1:9/v1', input_price_per_mtok: '0.5', output_price_per_mtok: '1.5', skills: 'math, law', tags: '', description: '', enabled: 'on' };

  it('shows the API schema’s messages next to the fields, keeping what was typed', async () => {
    const s = await session();
    const res = await post('/admin/experts', s, { ...valid, id: 'bad id!', endpoint_url: '', input_price_per_mtok: 'cheap' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toMatch(/id="f-id-error"[^>]*>letters, digits and \. _ : \/ - only/);
    expect(html).toMatch(/id="f-input_price_per_mtok-error"[^>]*>Invalid input: expected number, received string/);
    expect(html).toContain('value="cheap"');
    expect(html).toContain('aria-invalid="true"');
    // The refine() on the create schema names endpoint_url for openai experts.
    const res2 = await post('/admin/experts', s, { ...valid, endpoint_url: '' });
    expect(await res2.text()).toMatch(/id="f-endpoint_url-error"[^>]*>provider &#39;openai&#39; needs endpoint_url/);
  });

  it('adds, edits, disables and deletes an expert through the forms', async () => {
    const s = await session();
    const created = await post('/admin/experts', s, valid);
    expect(created.status).toBe(303);
    expect(created.headers.get('location')).toBe('/admin/experts?done=added&id=tgi-local');
    const list = await (await call('/admin/experts?done=added&id=tgi-local', { key: null, headers: { cookie: s.cookie } })).text();
    expect(list).toContain('Expert <strong>tgi-local</strong> added.');
    expect(list).toContain('math, law');

    const dup = await post('/admin/experts', s, valid);
    expect(dup.status).toBe(409);
    expect(await dup.text()).toMatch(/id="f-id-error"[^>]*>expert &#39;tgi-local&#39; already exists/);

    const edited = await post('/admin/experts/tgi-local', s, { ...valid, provider: 'openai', endpoint_url: '' });
    expect(edited.status).toBe(400);
    expect(await edited.text()).toMatch(/id="f-endpoint_url-error"[^>]*>provider &#39;openai&#39; needs endpoint_url/);
    expect((await post('/admin/experts/tgi-local', s, { ...valid, output_price_per_mtok: '2', enabled: '' })).status).toBe(303);
    const row = (await (await call('/admin/api/experts/tgi-local', { admin: true })).json()) as Record<string, unknown>;
    expect(row).toMatchObject({ output_price_per_mtok: 2, enabled: false, skills: ['math', 'law'] });

    expect((await post('/admin/experts/tgi-local/delete', s, {})).status).toBe(303);
    expect((await call('/admin/api/experts/tgi-local', { admin: true })).status).toBe(404);
  });

  it('tests one expert and shows its answer, latency and cost', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const s = await session();
    const { RECORDED_PROMPT, GEMINI_PRO_ANSWER } = await import('./helpers');
    const res = await post('/admin/experts/gemini-1.5-pro-002/test', s, { prompt: RECORDED_PROMPT });
    const html = await res.text();
    expect(html).toContain(GEMINI_PRO_ANSWER.replaceAll("'", '&#39;').trim());
    expect(html).toMatch(/<dt>Cost<\/dt><dd>\$0\.\d+/);
    const unknown = await post('/admin/experts/gemini-1.5-pro-002/test', s, { prompt: 'no recording of this one' });
    expect(await unknown.text()).toContain('The expert failed:');
  });
});

describe('dashboard history', () => {
  it('lists routes and shows one with prompt, calls and answers', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const routeId = (await chat({ model: 'gemini-1.5-pro-002' })).headers.get('x-route-id')!;
    const s = await session();
    const list = await (await call('/admin/routes?status=ok', { key: null, headers: { cookie: s.cookie } })).text();
    expect(list).toContain(`href="/admin/routes/${routeId}"`);
    expect(list).toContain('gemini-1.5-pro-002');
    const page = await (await call(`/admin/routes/${routeId}`, { key: null, headers: { cookie: s.cookie } })).text();
    expect(page).toContain('<h2>Prompt</h2>');
    expect(page).toContain('Every call made for this route');
    expect(page).toContain('No feedback given.');
    const bad = await call('/admin/routes?cursor=%%%', { key: null, headers: { cookie: s.cookie } });
    expect(bad.status).toBe(400);
    expect((await call('/admin/routes/rt_missing', { key: null, headers: { cookie: s.cookie } })).status).toBe(404);
  });
});
