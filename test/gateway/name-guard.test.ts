import { describe, expect, it } from 'vitest';
import { ResolverError, type Resolution } from '../../experts';
import { NameGuard } from '../../worker/gateway/name-guard';

// The call-time name check: a resolver is asked the first time a name is seen, then only after the
// verdict's DNS lifetime, beside a call answered from the stale verdict; an outage keeps what was known.

const expert = (url: string) => ({ endpointUrl: url, apiKeySecret: null });

function scriptedResolver(answers: Record<string, Resolution | Error>) {
  const asked: string[] = [];
  const resolve = async (host: string) => {
    asked.push(host);
    const answer = answers[host];
    if (!answer) throw new Error(`unscripted ${host}`);
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { asked, resolve, answers };
}

describe('NameGuard', () => {
  it('asks once per DNS lifetime, and serves a stale verdict at once while it asks again', async () => {
    let now = 0;
    const guard = new NameGuard(() => now);
    const dns = scriptedResolver({ 'api.example.com': { addresses: ['93.184.215.14'], ttlS: 60 } });
    const first = guard.check(expert('https://api.example.com/v1'), dns.resolve);
    expect(first).toBeInstanceOf(Promise); // nothing known yet: the call waits
    expect(await first).toBeNull();
    expect(guard.check(expert('https://api.example.com/v2'), dns.resolve)).toBeNull(); // known: no wait, no lookup
    expect(dns.asked).toEqual(['api.example.com']);

    // The record now points at the metadata address: past its TTL, the call is answered from the
    // stale verdict while the guard asks again, and the next call is refused.
    dns.answers['api.example.com'] = { addresses: ['169.254.169.254'], ttlS: 60 };
    now = 61_000;
    expect(guard.check(expert('https://api.example.com/v1'), dns.resolve)).toBeNull();
    await Promise.resolve();
    await Promise.resolve();
    const refused = guard.check(expert('https://api.example.com/v1'), dns.resolve);
    expect(refused).toMatchObject({ field: 'endpoint_url', message: expect.stringContaining('resolves to 169.254.169.254') });
    expect(dns.asked).toEqual(['api.example.com', 'api.example.com']);
  });

  it('a resolver outage refuses a name never judged and keeps the verdict of one that was', async () => {
    let now = 0;
    const guard = new NameGuard(() => now);
    const dns = scriptedResolver({
      'known.example.com': { addresses: ['93.184.215.14'], ttlS: 0 },
      'new.example.com': new ResolverError('the resolver at https://doh.test answered HTTP 502'),
    });
    expect(await guard.check(expert('https://known.example.com'), dns.resolve)).toBeNull();
    dns.answers['known.example.com'] = new ResolverError('the resolver at https://doh.test answered HTTP 502');
    now = 30_000; // a zero TTL still holds for the least hold
    expect(guard.check(expert('https://known.example.com'), dns.resolve)).toBeNull();
    await new Promise((r) => setTimeout(r, 0));
    expect(guard.check(expert('https://known.example.com'), dns.resolve)).toBeNull();
    expect(await guard.check(expert('https://new.example.com'), dns.resolve)).toMatchObject({
      message: expect.stringContaining('new.example.com could not be checked: the resolver at https://doh.test answered HTTP 502'),
    });
    // Addresses written out and Container bindings are never looked up.
    expect(guard.check({ endpointUrl: 'http://8.8.8.8/v1', replicaUrls: ['http://gpu-0.moe.container'], apiKeySecret: null }, dns.resolve)).toBeNull();
    expect(dns.asked).toEqual(['known.example.com', 'known.example.com', 'new.example.com']);
  });
});
