import { createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { tokensOf } from '../../router/cost';
import worker from '../../worker/index';
import { ADMIN, addExpert, call, chat, replayExpert, seedArtifacts, seedReplayExperts } from './helpers';
import { form, formFields, ORIGIN, post, session, signIn } from './dashboard-session';

// The dashboard's session, CSRF and form handling, through the Worker's fetch handler.

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

  it('leaves Secure off only for plain-HTTP localhost, where the browser would not send it back', async () => {
    for (const [origin, secure] of [
      ['http://127.0.0.1:8787', false],
      ['http://localhost:8787', false],
      ['https://conclave.example', true],
    ] as const) {
      const req = new Request(`${origin}/admin/login`, { method: 'POST', body: form({ token: ADMIN, next: '/admin' }), headers: { origin } });
      const cookie = (await worker.fetch(req, env, createExecutionContext())).headers.get('set-cookie')!;
      expect(cookie).toContain('HttpOnly');
      expect(cookie).toContain('SameSite=Strict');
      expect(cookie.includes('Secure')).toBe(secure);
    }
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

  it('signs out on the server: a kept copy of the cookie and its CSRF token stop working', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const s = await session();
    const other = await session();
    expect((await post('/admin/logout', s, {})).status).toBe(303);
    expect((await call('/admin/experts', { key: null, headers: { cookie: s.cookie } })).status).toBe(303);
    const write = await post('/admin/experts/gemini-1.5-pro-002/enabled', s, { enabled: 'off' });
    expect(write.status).toBe(303);
    expect(write.headers.get('location')).toBe('/admin/login');
    expect((await call('/admin/api/experts/gemini-1.5-pro-002', { admin: true }).then((r) => r.json())) as { enabled: boolean }).toMatchObject({
      enabled: true,
    });
    // The sign-in page no longer takes the old cookie for a session either; other sessions go on.
    expect((await call('/admin/login', { key: null, headers: { cookie: s.cookie } })).status).toBe(200);
    expect((await call('/admin/experts', { key: null, headers: { cookie: other.cookie } })).status).toBe(200);
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
  const valid = {
    id: 'tgi-local',
    provider: 'openai',
    model: 'my-model',
    endpoint_url: 'http://127.0.0.1:9/v1',
    input_price_per_mtok: '0.5',
    output_price_per_mtok: '1.5',
    skills: 'math, law',
    tags: '',
    description: '',
    enabled: 'on',
  };

  it('shows the API schema’s messages next to the fields, keeping what was typed', async () => {
    const s = await session();
    const res = await post('/admin/experts', s, { ...valid, id: 'bad id!', endpoint_url: '', input_price_per_mtok: 'cheap' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toMatch(/id="f-id-error"[^>]*>letters, digits and \. _ : \/ - only/);
    expect(html).toMatch(/id="f-input_price_per_mtok-error"[^>]*>enter a number</);
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
    // The list opens at the new row (a 30-row list would otherwise show its top, not what was added).
    expect(created.headers.get('location')).toBe('/admin/experts?done=added&id=tgi-local#expert-tgi-local');
    const list = await (await call('/admin/experts?done=added&id=tgi-local', { key: null, headers: { cookie: s.cookie } })).text();
    expect(list).toContain('<tr id="expert-tgi-local">');
    expect(list).toContain('Expert <strong>tgi-local</strong> added.');
    expect(list).toContain('math, law');
    // Only the notices the page says are shown: not a name an object inherits.
    const odd = await (await call('/admin/experts?done=constructor&id=tgi-local', { key: null, headers: { cookie: s.cookie } })).text();
    expect(odd).not.toContain('Expert <strong>tgi-local</strong>');

    const dup = await post('/admin/experts', s, valid);
    expect(dup.status).toBe(409);
    expect(await dup.text()).toMatch(/id="f-id-error"[^>]*>expert &#39;tgi-local&#39; already exists/);

    const edited = await post('/admin/experts/tgi-local', s, { ...valid, provider: 'openai', endpoint_url: '' });
    expect(edited.status).toBe(400);
    expect(await edited.text()).toMatch(/id="f-endpoint_url-error"[^>]*>provider &#39;openai&#39; needs endpoint_url/);
    const saved = await post('/admin/experts/tgi-local', s, { ...valid, output_price_per_mtok: '2', enabled: '' });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe('/admin/experts?done=saved&id=tgi-local#expert-tgi-local');
    const row = (await (await call('/admin/api/experts/tgi-local', { admin: true })).json()) as Record<string, unknown>;
    expect(row).toMatchObject({ output_price_per_mtok: 2, enabled: false, skills: ['math', 'law'] });

    expect((await post('/admin/experts/tgi-local/delete', s, {})).status).toBe(303);
    expect((await call('/admin/api/experts/tgi-local', { admin: true })).status).toBe(404);
  });

  it('offers an OpenAI-compatible endpoint first on the Add expert form (replay still a choice) and asks for its URL', async () => {
    const s = await session();
    const html = await (await call('/admin/experts/new', { key: null, headers: { cookie: s.cookie } })).text();
    expect(html).toContain('<option value="openai" selected="">openai — OpenAI-compatible endpoint</option>');
    expect(html).toContain('<option value="replay">replay — Replay (recorded answers)</option>');
    // Its endpoint rule leads the hint, and the form posted as it comes (id and model typed) asks for the URL beside its field.
    expect(html).toMatch(/id="f-endpoint_url-hint">openai: The server’s base URL[^<]*; required\. /);
    const fields = formFields(html);
    fields.set('id', 'my-vllm');
    fields.set('model', 'llama-3.1-8b');
    const missing = await post('/admin/experts', s, {}, ORIGIN, fields);
    expect(missing.status).toBe(400);
    expect(await missing.text()).toMatch(/id="f-endpoint_url-error"[^>]*>provider &#39;openai&#39; needs endpoint_url/);
    fields.set('endpoint_url', 'http://127.0.0.1:9/v1');
    expect((await post('/admin/experts', s, {}, ORIGIN, fields)).status).toBe(303);
    const row = (await (await call('/admin/api/experts/my-vllm', { admin: true })).json()) as Record<string, unknown>;
    expect(row).toMatchObject({ provider: 'openai', model: 'llama-3.1-8b', endpoint_url: 'http://127.0.0.1:9/v1' });
  });

  it('brings the operator back to the expert’s row after enabling or disabling it, and asks before deleting it', async () => {
    await replayExpert('gemini-1.5-pro-002');
    await addExpert({ id: 'org/model:v1', provider: 'replay', model: 'gemma-7b' });
    const s = await session();
    const list = await (await call('/admin/experts', { key: null, headers: { cookie: s.cookie } })).text();
    expect(list).toContain('<tr id="expert-gemini-1.5-pro-002">');
    expect(list).toContain('<tr id="expert-org/model:v1">');
    const off = await post('/admin/experts/gemini-1.5-pro-002/enabled', s, { enabled: 'off' });
    expect(off.headers.get('location')).toBe('/admin/experts?done=disabled&id=gemini-1.5-pro-002#expert-gemini-1.5-pro-002');
    // A browser decodes the fragment before it looks for the element, so an id with a / finds its row too.
    const on = await post(`/admin/experts/${encodeURIComponent('org/model:v1')}/enabled`, s, { enabled: 'on' });
    expect(on.headers.get('location')).toBe('/admin/experts?done=enabled&id=org%2Fmodel%3Av1#expert-org%2Fmodel%3Av1');

    const confirm = await (await call('/admin/experts/gemini-1.5-pro-002/delete', { key: null, headers: { cookie: s.cookie } })).text();
    expect(confirm).toContain('<h1>Delete expert gemini-1.5-pro-002?</h1>');
    expect(confirm).toContain(
      `<form method="post" action="/admin/experts/gemini-1.5-pro-002/delete" class="stack"><input type="hidden" name="_csrf" value="${s.csrf}"/>`,
    );
    expect(confirm).toContain('<button class="danger" type="submit">Delete gemini-1.5-pro-002</button>');
  });

  it('draws the live skill profiles as a heat map of every profiled expert × the keywords that separate them most', async () => {
    const s = await session();
    const empty = await (await call('/admin/experts', { key: null, headers: { cookie: s.cookie } })).text();
    expect(empty).toContain('No skill profiles yet');
    await seedArtifacts();
    const html = await (await call('/admin/experts', { key: null, headers: { cookie: s.cookie } })).text();
    const { HEATMAP_KEYWORDS } = await import('../../worker/dashboard/pages/skill-map');
    const profiled = env.TEST_MODELS.length;
    expect(html).toContain(`Skill profiles (skill-profiles v1): ${profiled} experts × the ${HEATMAP_KEYWORDS} keywords that separate them most`);
    const cells = [...html.matchAll(/<rect [^>]+><title>expert ([^,]+), keyword [^:]+: ([+-]?\d+)<\/title><\/rect>/g)];
    expect(cells).toHaveLength(profiled * HEATMAP_KEYWORDS);
    expect(new Set(cells.map((m) => m[1]))).toEqual(new Set(env.TEST_MODELS.map((m) => m.name)));
    // Colours saturate below the most extreme value, and the legend says so.
    expect(html).toMatch(/≤ -\d+<\/text>.*≥ \+\d+<\/text>/);
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

describe('dashboard number fields', () => {
  it('say what to type (a number, a whole number, at least N) where zod would say "expected number, received string"', async () => {
    const s = await session();
    const expert = await (
      await post('/admin/experts', s, { id: 'x', provider: 'replay', model: 'm', input_price_per_mtok: 'cheap', output_price_per_mtok: '-1' })
    ).text();
    expect(expert).toMatch(/id="f-input_price_per_mtok-error"[^>]*>enter a number</);
    expect(expert).toMatch(/id="f-output_price_per_mtok-error"[^>]*>at least 0</);
    const policy = { editing: '', name: 'p', description: '', strategy: 'all', aggregate: 'vote', aggregator: '', experts: '', prompt: '' };
    for (const [k, message] of [
      ['two', 'enter a number'],
      ['1.5', 'enter a whole number'],
      ['65', 'at most 64'],
    ]) {
      const html = await (await post('/admin/policies', s, { ...policy, k: k! })).text();
      expect(html).toMatch(new RegExp(`id="f-k-error"[^>]*>${message}<`));
    }
    // The JSON API's own messages are zod's, as they were: only the dashboard's forms reword them.
    const api = await call('/admin/api/experts', {
      method: 'POST',
      admin: true,
      json: { id: 'x', provider: 'replay', model: 'm', input_price_per_mtok: 'cheap' },
    });
    expect(((await api.json()) as { error: { message: string } }).error.message).toBe(
      'expert.input_price_per_mtok: Invalid input: expected number, received string',
    );
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
    expect(list).toContain('Search prompts and answers');
    const found = await (await call('/admin/routes?q=moral+impulse', { key: null, headers: { cookie: s.cookie } })).text();
    expect(found).toContain(`href="/admin/routes/${routeId}"`);
    const none = await (await call('/admin/routes?q=photosynthesis', { key: null, headers: { cookie: s.cookie } })).text();
    expect(none).toContain('No routes match.');
    const page = await (await call(`/admin/routes/${routeId}`, { key: null, headers: { cookie: s.cookie } })).text();
    expect(page).toContain('<h2>Prompt</h2>');
    expect(page).toContain('Every call made for this route, in the order they started');
    expect(page).toContain('<title id="calls-timeline-t">Time line of the calls</title>');
    expect(page).toContain('No feedback given.');
    const bad = await call('/admin/routes?cursor=%%%', { key: null, headers: { cookie: s.cookie } });
    expect(bad.status).toBe(400);
    expect((await call('/admin/routes/rt_missing', { key: null, headers: { cookie: s.cookie } })).status).toBe(404);
  });

  it('filters by key and policy from lists of the keys and policies there are', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const created = (await (await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'mobile-app' } })).json()) as {
      id: string;
      key: string;
    };
    const mine = (await chat({ model: 'gemini-1.5-pro-002' }, { key: created.key })).headers.get('x-route-id')!;
    const dev = (await chat({ model: 'gemini-1.5-pro-002' })).headers.get('x-route-id')!;
    const s = await session();
    const list = await (await call('/admin/routes', { key: null, headers: { cookie: s.cookie } })).text();
    expect(list).toContain(`<option value="${created.id}">mobile-app (${created.id})</option>`);
    expect(list).toContain('<option value="economy">economy</option>');
    const byKey = await (await call(`/admin/routes?key=${created.id}`, { key: null, headers: { cookie: s.cookie } })).text();
    expect(byKey).toContain(`href="/admin/routes/${mine}"`);
    expect(byKey).not.toContain(`href="/admin/routes/${dev}"`);
    expect(byKey).toContain('<td>mobile-app</td>');
    const byPolicy = await (await call('/admin/routes?policy=economy', { key: null, headers: { cookie: s.cookie } })).text();
    expect(byPolicy).toContain('No routes match.');
  });

  it('pages the history newest first, keeping the filters on the next page', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const { HISTORY_PAGE_SIZE } = await import('../../worker/dashboard/pages/history');
    const ids: string[] = [];
    for (let i = 0; i <= HISTORY_PAGE_SIZE; i++) ids.push((await chat({ model: 'gemini-1.5-pro-002' })).headers.get('x-route-id')!);
    const s = await session();
    const routeLinks = (html: string) => [...html.matchAll(/href="\/admin\/routes\/(rt_[^"]+)"/g)].map((m) => m[1]);
    const first = await (await call('/admin/routes?expert=gemini-1.5-pro-002', { key: null, headers: { cookie: s.cookie } })).text();
    expect(routeLinks(first)).toHaveLength(HISTORY_PAGE_SIZE);
    const older = /<a href="(\/admin\/routes\?expert=gemini-1\.5-pro-002&amp;cursor=[^"]+)">Older routes<\/a>/.exec(first)![1]!.replaceAll('&amp;', '&');
    const second = await (await call(older, { key: null, headers: { cookie: s.cookie } })).text();
    expect([...routeLinks(first), ...routeLinks(second)].sort()).toEqual([...ids].sort());
    expect(second).not.toContain('Older routes');
    expect(second).toContain('>Newest</a>');
  });

  it('shows the votes of a voted route, each voter’s answer and the feedback given', async () => {
    const voters = ['gemini-1.5-pro-002', 'gemini-1.5-flash-002', 'Meta-Llama-3_1-70B-Instruct'];
    for (const id of voters) await replayExpert(id);
    const res = await chat({ model: 'auto', routing: { strategy: 'fixed', experts: voters, aggregate: 'vote' } });
    const routeId = res.headers.get('x-route-id')!;
    const { routing } = (await res.json()) as { routing: { tally: Record<string, number>; winner: string } };
    expect((await call('/v1/feedback', { method: 'POST', json: { route_id: routeId, score: 0, comment: 'not H' } })).status).toBe(201);
    const s = await session();
    const page = await (await call(`/admin/routes/${routeId}`, { key: null, headers: { cookie: s.cookie } })).text();
    expect(page).toContain('Votes per normalised answer');
    for (const [answer, votes] of Object.entries(routing.tally)) expect(page).toContain(`<th scope="row">${answer}</th><td class="num">${votes}</td>`);
    expect(page).toContain(`answer taken from <strong>${routing.winner}</strong>`);
    for (const id of voters) expect(page).toMatch(new RegExp(`<h3 id="call-\\d+-h">${id.replaceAll('.', '\\.')} <span class="muted">\\(expert, stage 0\\)`));
    expect(page).toMatch(/score <strong>0<\/strong> \(wrong \/ bad\) · “not H”/);
  });
});

describe('dashboard policies', () => {
  const base = {
    editing: '',
    name: 'cheap-pair',
    description: 'two cheap experts',
    strategy: 'all',
    aggregate: 'vote',
    k: '2',
    aggregator: '',
    max_cost_usd: '',
    experts: '',
    prompt: '',
  };

  it('validates the form with the policy schema, previews a routing without calling anyone, then saves', async () => {
    await replayExpert('gemini-1.5-pro-002');
    await replayExpert('gemini-1.5-flash-002', { input_price_per_mtok: 0.075, output_price_per_mtok: 0.3 });
    await replayExpert('gemma-7b', { input_price_per_mtok: 0.2, output_price_per_mtok: 0.2 });
    const s = await session();
    const bad = await post('/admin/policies', s, { ...base, k: '0' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/id="f-k-error"[^>]*>at least 1</);

    const { RECORDED_PROMPT } = await import('./helpers');
    // As a browser posts a textarea: CRLF line ends, which the model must not see.
    const crlf = RECORDED_PROMPT.replaceAll('\n', '\r\n');
    expect(tokensOf(crlf)).not.toBe(tokensOf(RECORDED_PROMPT));
    const preview = await post('/admin/policies/preview', s, { ...base, prompt: crlf });
    expect(preview.status).toBe(200);
    const html = await preview.text();
    expect(html).toContain(`prompt ≈ ${tokensOf(RECORDED_PROMPT)} tokens`);
    expect(html).toContain('Routing preview');
    expect(html).toMatch(/would call <strong>gemini-1\.5-flash-002, gemma-7b<\/strong>/);
    expect(html).toContain('value="cheap-pair"');
    expect(html).toContain('; 3 experts eligible,');
    const one = await (await post('/admin/policies/preview', s, { ...base, allow: 'gemma-7b', prompt: RECORDED_PROMPT })).text();
    expect(one).toContain('; 1 expert eligible,');
    expect((await call('/admin/api/routes', { admin: true }).then((r) => r.json())) as { data: unknown[] }).toEqual({ data: [], next_cursor: null });

    const saved = await post('/admin/policies', s, { ...base, allow: 'gemma-7b' });
    // The list opens at the saved policy's row, as the experts' list does at an expert's.
    expect(saved.headers.get('location')).toBe('/admin/policies?done=saved&name=cheap-pair#policy-cheap-pair');
    const list = await (await call('/admin/policies', { key: null, headers: { cookie: s.cookie } })).text();
    expect(list).toContain('<tr id="policy-cheap-pair">');
    expect(list).toContain('<tr id="policy-auto">');
    const policy = (await (await call('/admin/api/policies/cheap-pair', { admin: true })).json()) as { config: Record<string, unknown> };
    expect(policy.config).toEqual({ strategy: 'all', aggregate: 'vote', k: 2, allow: ['gemma-7b'] });
    const dup = await post('/admin/policies', s, base);
    expect(dup.status).toBe(409);
    expect(await dup.text()).toMatch(/id="f-name-error"[^>]*>policy &#39;cheap-pair&#39; already exists/);
  });

  it('puts every routing knob on the form: a policy with all of them set saves back unchanged', async () => {
    for (const id of ['gemma-7b', 'gemini-1.5-flash-002', 'gemini-1.5-pro-002']) await replayExpert(id);
    const { KNOBS } = await import('../../worker/dashboard/policy-knobs');
    const { routingOverrideSchema } = await import('../../router/policy');
    const config = {
      strategy: 'fixed',
      experts: ['gemini-1.5-pro-002', 'gemma-7b'],
      k: 2,
      allow: ['gemini-1.5-pro-002', 'gemma-7b'],
      deny: ['gemini-1.5-flash-002'],
      max_cost_usd: 0.02,
      timeout_ms: 9000,
      aggregate: 'judge',
      aggregator: 'gemini-1.5-pro-002',
      quorum: 2,
      fallback: 'gemma-7b',
      lambda: 0.3,
      rounds: 2,
      extractor: 'llm',
      sample: true,
      stop_on: 'stacked',
      cost_budget: 0.35,
      hedge_ms: 250,
    };
    // The test sets every knob the schema has, so a knob added later fails here until it is on the form.
    expect(Object.keys(config).sort()).toEqual(Object.keys(routingOverrideSchema.shape).sort());
    expect(KNOBS.map((k) => k.name).sort()).toEqual(Object.keys(config).sort());
    await call('/admin/api/policies', { method: 'POST', admin: true, json: { name: 'everything', description: 'all knobs', config } });
    const s = await session();
    const html = await (await call('/admin/policies/everything', { key: null, headers: { cookie: s.cookie } })).text();
    for (const k of KNOBS) expect(html, k.name).toMatch(new RegExp(`name="${k.name}"`));
    const resaved = await post('/admin/policies/everything', s, {}, ORIGIN, formFields(html));
    expect(resaved.status).toBe(303);
    const policy = (await (await call('/admin/api/policies/everything', { admin: true })).json()) as { config: Record<string, unknown> };
    expect(policy.config).toEqual(config);
    // Clearing a field unsets its knob.
    const cleared = formFields(html);
    cleared.set('hedge_ms', '');
    cleared.delete('deny');
    await post('/admin/policies/everything', s, {}, ORIGIN, cleared);
    const { hedge_ms: _h, deny: _d, ...rest } = config;
    expect(((await (await call('/admin/api/policies/everything', { admin: true })).json()) as { config: unknown }).config).toEqual(rest);
    const preview = await post('/admin/policies/preview', s, { ...base, editing: 'fast', strategy: 'fixed', prompt: 'x' });
    expect(await preview.text()).toContain('No routing: strategy &#39;fixed&#39; needs routing.experts');
  });

  it("shows the route's estimated cost and the LLM skill extractor's calls the route pays for", async () => {
    await seedArtifacts();
    await replayExpert('gemini-1.5-pro-002');
    await replayExpert('gemini-1.5-flash-002', { input_price_per_mtok: 0.075, output_price_per_mtok: 0.3 });
    await replayExpert('gemma-7b', { input_price_per_mtok: 0.2, output_price_per_mtok: 0.2 });
    const { RECORDED_PROMPT } = await import('./helpers');
    const { usd } = await import('../../worker/dashboard/format');
    const s = await session();
    const html = async (config: Record<string, unknown>) => {
      const fields = { ...base, strategy: 'skill', extractor: 'llm', aggregate: 'synthesize', prompt: RECORDED_PROMPT, ...config };
      const res = await post('/admin/policies/preview', s, fields);
      expect(res.status).toBe(200);
      return res.text();
    };
    // The admin API's preview of the same policy: the page shows its figures.
    const api = async (config: Record<string, unknown>) => {
      const json = { prompt: RECORDED_PROMPT, config: { strategy: 'skill', extractor: 'llm', aggregate: 'synthesize', k: 2, ...config } };
      const res = await call('/admin/api/policies/preview', { method: 'POST', admin: true, json });
      return (await res.json()) as {
        estimated_cost_usd: number;
        ranked: { estimated_cost_usd: number }[];
        aggregation: { estimated_cost_usd: number };
        extractor: { expert: string; estimated_cost_usd: number };
      };
    };
    const p = await api({});
    expect(p.extractor.estimated_cost_usd).toBeGreaterThan(0);
    const page = await html({});
    expect(page).toContain(
      `Estimated cost: <strong>${usd(p.estimated_cost_usd)}</strong> at most, within the cost cap (what a key&#39;s budget reserves for the route); the synthesize aggregation&#39;s own calls ≈ ${usd(p.aggregation.estimated_cost_usd)}; the skill extractor&#39;s ≈ ${usd(p.extractor.estimated_cost_usd)}.`,
    );
    expect(page).toContain(
      `Skill extractor <strong>${p.extractor.expert}</strong>: the route asks it for the prompt&#39;s keywords (3 calls) before it chooses.`,
    );
    // A cap with no room for the extraction beside the cheapest answer: the route does without it.
    const cap = Math.min(...p.ranked.map((c) => c.estimated_cost_usd)) * 1.01;
    const tight = await api({ max_cost_usd: cap });
    expect(tight.extractor.estimated_cost_usd).toBe(0);
    expect(await html({ max_cost_usd: String(cap) })).toContain('the cost cap leaves no room for its calls: the route ranks on the local keywords');
    expect((await call('/admin/api/routes', { admin: true }).then((r) => r.json())) as { data: unknown[] }).toEqual({ data: [], next_cursor: null });
  });

  it('edits and previews a built-in policy (auto) and keeps every knob it had', async () => {
    await seedArtifacts();
    await seedReplayExperts();
    const { BUILTIN_POLICIES } = await import('../../worker/gateway/policies');
    const { name: _name, ...auto } = BUILTIN_POLICIES.get('auto')!;
    const s = await session();
    const form = await (await call('/admin/policies/auto', { key: null, headers: { cookie: s.cookie } })).text();
    expect(form).toContain('This is a built-in policy');
    expect(form).toContain(`<option value="${auto.strategy}" selected="">${auto.strategy}</option>`);
    const { RECORDED_PROMPT } = await import('./helpers');
    const fields = formFields(form);
    fields.set('prompt', RECORDED_PROMPT);
    const preview = await post('/admin/policies/preview', s, {}, ORIGIN, fields);
    const html = await preview.text();
    expect(preview.status, html).toBe(200);
    expect(html).toMatch(new RegExp(`Strategy <strong>${auto.strategy}</strong> would call <strong>[^<]+</strong>`));
    fields.set('max_cost_usd', '0.01');
    const saved = await post('/admin/policies/auto', s, {}, ORIGIN, fields);
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe('/admin/policies?done=saved&name=auto#policy-auto');
    const policy = (await (await call('/admin/api/policies/auto', { admin: true })).json()) as { builtin: boolean; config: Record<string, unknown> };
    expect(policy).toEqual(expect.objectContaining({ builtin: false, config: { ...auto, max_cost_usd: 0.01 } }));
  });

  it('asks before deleting a saved policy, says when that brings a built-in back, and deletes only on the page’s post with CSRF', async () => {
    const config = { strategy: 'all', aggregate: 'vote', k: 2 };
    await call('/admin/api/policies', { method: 'POST', admin: true, json: { name: 'cheap-pair', description: 'two cheap experts', config } });
    await call('/admin/api/policies/economy', { method: 'PUT', admin: true, json: { description: 'our economy', config } });
    const s = await session();
    const get = async (path: string) => call(path, { key: null, headers: { cookie: s.cookie } });
    // Delete in the list is a link to the confirmation, not a form that deletes; a built-in has none.
    const list = await (await get('/admin/policies')).text();
    for (const name of ['cheap-pair', 'economy']) {
      expect(list).toContain(`<a class="button" href="/admin/policies/${name}/delete" aria-label="Delete ${name}">Delete</a>`);
      expect(list).not.toContain(`action="/admin/policies/${name}/delete"`);
    }
    expect(list).not.toContain('aria-label="Delete auto"');

    const confirm = await get('/admin/policies/cheap-pair/delete');
    expect(confirm.status).toBe(200);
    const html = await confirm.text();
    expect(html).toContain('<h1>Delete policy cheap-pair?</h1>');
    expect(html).toContain(
      `<form method="post" action="/admin/policies/cheap-pair/delete" class="stack"><input type="hidden" name="_csrf" value="${s.csrf}"/>`,
    );
    expect(html).toContain('get 404 (model not found)');
    expect(html).not.toContain('comes back');
    expect(html).toContain('<button class="danger" type="submit">Delete cheap-pair</button>');
    expect(html).toContain('<a class="button" href="/admin/policies">Cancel</a>');
    // A policy saved over a built-in: deleting it brings the built-in back, and the page says so.
    const replacing = await (await get('/admin/policies/economy/delete')).text();
    expect(replacing).toContain('The built-in <strong>economy</strong> comes back');
    expect(replacing).toContain('<button class="danger" type="submit">Delete economy</button>');
    // A built-in itself cannot be deleted: its page says what can be done, and offers nothing to press.
    const builtin = await (await get('/admin/policies/auto/delete')).text();
    expect(builtin).toContain('<strong>auto</strong> is built in and cannot be deleted');
    expect(builtin).not.toContain('action="/admin/policies/auto/delete"');
    expect((await get('/admin/policies/no-such/delete')).status).toBe(404);

    // Opening the page deletes nothing; a post without the CSRF token neither.
    expect((await post('/admin/policies/cheap-pair/delete', { cookie: s.cookie }, {})).status).toBe(403);
    expect((await call('/admin/api/policies/cheap-pair', { admin: true })).status).toBe(200);
    const deleted = await post('/admin/policies/cheap-pair/delete', s, {});
    expect(deleted.headers.get('location')).toBe('/admin/policies?done=deleted&name=cheap-pair');
    expect((await call('/admin/api/policies/cheap-pair', { admin: true })).status).toBe(404);
    expect((await chat({ model: 'cheap-pair' })).status).toBe(404);

    expect((await post('/admin/policies/economy/delete', s, {})).status).toBe(303);
    const economy = (await (await call('/admin/api/policies/economy', { admin: true })).json()) as { builtin: boolean };
    expect(economy.builtin).toBe(true);
    // Posted anyway, deleting a built-in is refused with the API's reason, not "does not exist".
    const refused = await post('/admin/policies/auto/delete', s, {});
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('<strong>auto</strong> is built in and cannot be deleted');
  });
});

describe('dashboard router page', () => {
  it('lists the live artifact versions and learns from pending feedback on request, with CSRF', async () => {
    await seedArtifacts();
    await replayExpert('gemini-1.5-pro-002');
    const s = await session();
    const page = await (await call('/admin/router', { key: null, headers: { cookie: s.cookie } })).text();
    expect(page).toContain('<a href="/admin/router" aria-current="page">Router</a>');
    for (const a of env.TEST_ARTIFACTS) expect(page).toContain(`<th scope="row">${a.name}</th><td class="num">1</td>`);
    expect(page).toMatch(
      /<th scope="row">skill-profiles<\/th><td class="num">1<\/td><td class="num">[\d.]+ [kM]B<div class="muted">\d+ chunks<\/div><\/td><td><span class="muted">none yet<\/span><\/td><td>yes<\/td>/,
    );
    expect(page).toMatch(/<th scope="row">router-features<\/th>.*?no, trained offline/);

    const routeId = (await chat({ model: 'gemini-1.5-pro-002' })).headers.get('x-route-id')!;
    await env.DB.prepare('insert into feedback (route_id, score) values (?, 1)').bind(routeId).run();
    expect((await post('/admin/router/learn', { cookie: s.cookie }, {})).status).toBe(403);
    expect((await post('/admin/router/learn', s, {}, 'https://evil.test')).status).toBe(403);
    const learned = await post('/admin/router/learn', s, {});
    expect(learned.status).toBe(200);
    const report = await learned.text();
    expect(report).toMatch(/Read 1 new rating, 1 of them with per-expert outcomes\. Saved [^<]*skill-profiles@2/);
    expect(report).toMatch(/<th scope="row">skill-profiles<\/th><td class="num">2<\/td>.*?<td>#1<\/td>/);
    const again = await (await post('/admin/router/learn', s, {})).text();
    expect(again).toContain('Nothing saved: no new feedback.');
  });
});

describe('dashboard overview', () => {
  it('draws the charts as SVG with titles and descriptions for the chosen window', async () => {
    await replayExpert('gemini-1.5-pro-002');
    await chat({ model: 'gemini-1.5-pro-002' });
    const s = await session();
    const res = await call('/admin?window=6h', { key: null, headers: { cookie: s.cookie } });
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const id of ['rpm', 'cost', 'latency', 'accuracy', 'share']) {
      expect(html).toContain(`aria-labelledby="${id}-t ${id}-d"`);
      expect(html).toMatch(new RegExp(`<desc id="${id}-d">[^<]+</desc>`));
    }
    expect(html).toContain('<option value="6h" selected="">last 6 hours</option>');
    expect(html).toMatch(/<div class="muted">Requests<\/div><div class="value">1<\/div>/);
  });
});

describe('dashboard GPU activations', () => {
  it('counts a trace per layer and expert', async () => {
    const { countActivations } = await import('../../worker/dashboard/moe-trace');
    const trace = {
      object: 'moe.trace',
      model: 'demo',
      num_layers: 3,
      num_experts: 4,
      top_k: 2,
      moe_layers: [1, 2],
      tokens: [
        { position: 0, id: 5, token: 'a', experts: [[], [0, 3], [1, 2]], weights: [] },
        { position: 1, id: 6, token: 'b', experts: [[], [0, 1], [1, 3]], weights: [] },
      ],
    };
    expect(countActivations(trace)).toEqual({
      model: 'demo',
      tokens: 2,
      topK: 2,
      numExperts: 4,
      layers: [1, 2],
      counts: [
        [2, 1, 0, 1],
        [0, 2, 1, 1],
      ],
    });
  });

  it('says clearly when the GPU service is down or answers an error, and only offers traces for GPU experts', async () => {
    const { inject } = await import('vitest');
    await call('/admin/api/experts', {
      method: 'POST',
      admin: true,
      json: { id: 'gpu-down', provider: 'hf', model: 'm', endpoint_url: 'http://127.0.0.1:9', tags: ['gpu-service'] },
    });
    await call('/admin/api/experts', {
      method: 'POST',
      admin: true,
      json: { id: 'gpu-404', provider: 'hf', model: 'm', endpoint_url: `${inject('peerUrl')}/v1`, tags: ['gpu-service'] },
    });
    await replayExpert('gemma-7b');
    const s = await session();
    const list = await (await call('/admin/experts', { key: null, headers: { cookie: s.cookie } })).text();
    expect(list).toContain('href="/admin/experts/gpu-down/activation"');
    expect(list).not.toContain('href="/admin/experts/gemma-7b/activation"');
    const down = await post('/admin/experts/gpu-down/activation', s, { prompt: 'hello' });
    expect(down.status).toBe(502);
    expect(await down.text()).toContain('The GPU service at http://127.0.0.1:9/v1/moe/trace could not be reached');
    const missing = await post('/admin/experts/gpu-404/activation', s, { prompt: 'hello' });
    expect(await missing.text()).toMatch(/The GPU service answered HTTP 4\d\d/);
    expect(await (await call('/admin/experts/gemma-7b/activation', { key: null, headers: { cookie: s.cookie } })).text()).toContain('is not served by it');
  });
});
