import { env } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import { call, chat } from './helpers';

// What a registered expert may reach: an admin-chosen endpoint must not be a loopback, private,
// link-local or metadata address unless the deployment allows it (tests run with
// ALLOW_PRIVATE_ENDPOINTS=1 for their loopback peers; these turn it off), and the secret it sends
// must be one meant for experts, never the gateway's own ADMIN_TOKEN. Names are resolved by a
// loopback DoH resolver (test/support/doh-peer.ts).

const strict = { ALLOW_PRIVATE_ENDPOINTS: undefined, DOH_URL: inject('dohUrl') };

function register(expert: Record<string, unknown>, opts: { strict?: boolean } = {}) {
  return call('/admin/api/experts', {
    method: 'POST',
    admin: true,
    json: { provider: 'openai', model: 'echo', ...expert },
    ...(opts.strict ? { env: strict } : {}),
  });
}

async function errorOf(res: Response): Promise<{ message: string; param: string | null }> {
  return ((await res.json()) as { error: { message: string; param: string | null } }).error;
}

/** A row written without the admin API (as a migration or a script would). */
async function insertRow(id: string, endpointUrl: string, apiKeySecret: string | null): Promise<void> {
  const now = Date.now();
  await env.DB.prepare('insert into experts (id, provider, model, endpoint_url, api_key_secret, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?)')
    .bind(id, 'openai', 'echo', endpointUrl, apiKeySecret, now, now)
    .run();
}

describe('what experts may reach', () => {
  it('endpoints on loopback, private, link-local and metadata addresses are refused unless allowed', async () => {
    const refused = [
      'http://169.254.169.254/latest/meta-data',
      'http://127.0.0.1:8000/v1',
      'http://2130706433/v1',
      'http://0x7f.1/v1',
      'http://10.1.2.3/v1',
      'http://172.20.0.1/v1',
      'http://192.168.1.10:8080/v1',
      'http://100.100.100.200/v1',
      'http://0.0.0.0:8000/v1',
      'http://[::1]:8000/v1',
      'http://[::ffff:169.254.169.254]/v1',
      'http://[fd00:ec2::254]/v1',
      'http://[fe80::1]/v1',
      'http://localhost:8000/v1',
      'http://metadata.google.internal/computeMetadata/v1',
    ];
    for (const [i, url] of refused.entries()) {
      const res = await register({ id: `private-${i}`, endpoint_url: url }, { strict: true });
      expect(res.status, url).toBe(400);
      const error = await errorOf(res);
      expect(error.param, url).toBe('endpoint_url');
      expect(error.message).toContain('ALLOW_PRIVATE_ENDPOINTS');
    }
    const replica = await register({ id: 'replicated', endpoint_url: 'https://a.example.com/v1', replica_urls: ['http://10.0.0.7/v1'] }, { strict: true });
    expect(replica.status).toBe(400);
    expect((await errorOf(replica)).param).toBe('replica_urls');
    for (const url of ['https://api.openai.com/v1', 'http://8.8.8.8/v1', 'http://[2606:4700::1111]/v1', 'http://gpu-0.moe.container']) {
      expect((await register({ id: `public-${url.length}`, endpoint_url: url }, { strict: true })).status, url).toBe(201);
    }
    // Where the setting allows it (local development, these tests), a loopback endpoint is fine.
    expect((await register({ id: 'loopback-ok', endpoint_url: 'http://127.0.0.1:8000/v1' })).status).toBe(201);
  });

  it('a name is judged by every address it resolves to, when registered and again at call time', async () => {
    const refused: [string, string][] = [
      ['loopback.example.com', 'resolves to 127.0.0.1, a loopback address'],
      ['metadata.example.com', 'resolves to 169.254.169.254, a link-local (cloud metadata) address'],
      ['v6-private.example.com', 'resolves to fd00::1, a unique local (private) address'],
      ['mapped.example.com', 'resolves to ::ffff:a9fe:a9fe, a link-local (cloud metadata) address'],
      ['nothing.example.com', 'does not resolve to any address'],
    ];
    for (const [host, why] of refused) {
      const res = await register({ id: `named-${host}`, endpoint_url: `https://${host}/v1` }, { strict: true });
      expect(res.status, host).toBe(400);
      const error = await errorOf(res);
      expect(error.param, host).toBe('endpoint_url');
      expect(error.message, host).toContain(`${host} ${why}`);
    }
    const replica = await register(
      { id: 'named-replica', endpoint_url: 'https://public.example.com/v1', replica_urls: ['https://Loopback.Example.com./v1'] },
      { strict: true },
    );
    expect((await errorOf(replica)).param).toBe('replica_urls');
    const unresolvable = await register({ id: 'named-servfail', endpoint_url: 'https://servfail.example.com/v1' }, { strict: true });
    expect(unresolvable.status).toBe(503);
    expect((await errorOf(unresolvable)).message).toContain('failed to resolve servfail.example.com (DNS status 2)');
    expect((await register({ id: 'named-public', endpoint_url: 'https://public.example.com/v1' }, { strict: true })).status).toBe(201);
    // While the resolver is down, a patch that leaves the URLs alone still goes through; a new URL waits for it.
    const resolverDown = { env: { ...strict, DOH_URL: 'http://127.0.0.1:9/dns-query' } };
    const patch = (json: Record<string, unknown>) => call('/admin/api/experts/named-public', { method: 'PATCH', admin: true, json, ...resolverDown });
    expect((await patch({ enabled: false })).status).toBe(200);
    expect((await patch({ endpoint_url: 'https://api.example.com/v1' })).status).toBe(503);

    // A row written around the admin API, its name pointing at the loopback peer: refused before any request leaves.
    await insertRow('named-loopback-row', inject('peerUrl').replace('127.0.0.1', 'loopback.example.com'), null);
    const res = await chat({ model: 'named-loopback-row', messages: [{ role: 'user', content: 'ping' }] }, { env: strict });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(await res.text()).toContain('loopback.example.com resolves to 127.0.0.1, a loopback address');
    const calls = await env.DB.prepare("select error_source, upstream_status from route_calls where expert_id = 'named-loopback-row'").all();
    expect(calls.results).toEqual([{ error_source: 'gateway', upstream_status: 0 }]);
  });

  it('an expert may name only an EXPERT_* secret or a provider’s own as its API key', async () => {
    for (const name of ['ADMIN_TOKEN', 'DEV_API_KEY', 'ROUTE_WEBHOOK_SECRET', 'MY_ENDPOINT_KEY']) {
      const res = await register({ id: `secret-${name.toLowerCase()}`, endpoint_url: 'https://api.example.com/v1', api_key_secret: name });
      expect(res.status, name).toBe(400);
      const error = await errorOf(res);
      expect(error.param).toBe('api_key_secret');
      expect(error.message).toContain(`'${name}' is not a secret experts may use`);
    }
    for (const name of ['EXPERT_MY_ENDPOINT_KEY', 'OPENAI_API_KEY', 'HF_TOKEN', 'ANTHROPIC_API_KEY']) {
      expect((await register({ id: `ok-${name.toLowerCase()}`, endpoint_url: 'https://api.example.com/v1', api_key_secret: name })).status, name).toBe(201);
    }
    const patched = await call('/admin/api/experts/ok-expert_my_endpoint_key', { method: 'PATCH', admin: true, json: { api_key_secret: 'ADMIN_TOKEN' } });
    expect(patched.status).toBe(400);
  });

  it('a row written around the admin API is held at call time too: no gateway secret, no private address', async () => {
    await insertRow('sneaky-secret', inject('peerUrl'), 'ADMIN_TOKEN');
    const res = await chat({ model: 'sneaky-secret', messages: [{ role: 'user', content: 'ping' }] });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(await res.text()).toContain("'ADMIN_TOKEN' is not a secret experts may use");
    const calls = await env.DB.prepare("select error_source, upstream_status from route_calls where expert_id = 'sneaky-secret'").all();
    expect(calls.results).toEqual([{ error_source: 'gateway', upstream_status: 0 }]); // refused before any request left

    await insertRow('loopback-row', inject('peerUrl'), null);
    const allowed = await chat({ model: 'loopback-row', messages: [{ role: 'user', content: 'ping' }] });
    expect(allowed.status).toBe(200);
    const refused = await chat({ model: 'loopback-row', messages: [{ role: 'user', content: 'ping' }] }, { env: strict });
    expect(refused.status).toBeGreaterThanOrEqual(500);
    expect(await refused.text()).toContain('loopback address');
  });
});
