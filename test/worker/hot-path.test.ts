import { env } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import { addExpert, call } from './helpers';

// In steady state the request path reads no D1: keys, registry and artifacts are served from the
// isolate and revalidated in the background. Shown by changing D1 behind the gateway's back (no
// admin API): the cached answer still holds until the admin API, which invalidates, is used.

const LONG_TTL = { CACHE_TTL_MS: '600000' };
const ask = (key: string) =>
  call('/v1/chat/completions', { method: 'POST', key, env: LONG_TTL, json: { model: 'peer-echo', messages: [{ role: 'user', content: 'hi' }] } });

describe('the hot path', () => {
  it('serves a stored key and the registry from the isolate; admin writes invalidate them', async () => {
    await addExpert({ id: 'peer-echo', provider: 'openai', model: 'echo', endpoint_url: inject('peerUrl') });
    const made = (await (await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'hot' } })).json()) as { id: string; key: string };
    expect((await ask(made.key)).status).toBe(200);

    // Behind the gateway's back: the key is revoked and the expert row vanishes in D1.
    await env.DB.prepare('update api_keys set revoked_at = 1 where id = ?').bind(made.id).run();
    await env.DB.prepare("delete from experts where id = 'peer-echo'").run();
    const cached = await ask(made.key);
    expect(cached.status).toBe(200);
    expect(((await cached.json()) as { model: string }).model).toBe('peer-echo');

    // A write through the admin API invalidates this isolate's caches: the revocation is seen at once.
    expect((await call(`/admin/api/keys/${made.id}`, { method: 'PATCH', admin: true, json: { name: 'renamed' } })).status).toBe(200);
    expect((await ask(made.key)).status).toBe(401);
  });

  it('a key made a moment ago works at once (unknown keys are not remembered)', async () => {
    expect((await ask('sk-not-yet')).status).toBe(401);
    await addExpert({ id: 'peer-echo', provider: 'openai', model: 'echo', endpoint_url: inject('peerUrl') });
    const made = (await (await call('/admin/api/keys', { method: 'POST', admin: true, json: { name: 'new' } })).json()) as { key: string };
    expect((await ask(made.key)).status).toBe(200);
  });
});
