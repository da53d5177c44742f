import { env } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import type { ExpertProfile } from '../../router/types';
import { gatewayAdapters } from '../../worker/gateway/adapters';
import { RecordingCaller } from '../../worker/gateway/caller';
import { BreakerRegistry } from '../../worker/resilience/breaker';

// A half-open circuit lets one probe through; however that probe ends, the circuit must leave the
// half-open-and-probing state, or the expert stays excluded until the isolate restarts. The same
// expert id answers differently per test through the loopback peer's model names.

const COOLDOWN_MS = 30;

function expert(model: string): ExpertProfile {
  return {
    id: 'probe-x',
    provider: 'openai',
    model,
    endpointUrl: inject('peerUrl'),
    apiKeySecret: null,
    inputPricePerMTok: 1,
    outputPricePerMTok: 1,
    enabled: true,
  } as ExpertProfile;
}

function caller(model: string, breakers: BreakerRegistry): RecordingCaller {
  return new RecordingCaller([expert(model)], gatewayAdapters(env), {
    breakers,
    retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    allowPrivateEndpoints: true,
  });
}

const ping = [{ role: 'user' as const, content: 'ping' }];

/** A registry whose circuit for probe-x has just gone half-open. */
async function halfOpen(): Promise<BreakerRegistry> {
  const breakers = new BreakerRegistry({ windowMs: 60_000, minCalls: 1, failureRate: 0.5, cooldownMs: COOLDOWN_MS });
  await expect(caller('status-503', breakers).complete('probe-x', ping, { role: 'expert', stage: 0 })).rejects.toThrow(/503/);
  expect(breakers.state('probe-x')).toBe('open');
  await new Promise((r) => setTimeout(r, COOLDOWN_MS + 10));
  expect(breakers.state('probe-x')).toBe('half-open');
  return breakers;
}

describe('half-open circuit probes', () => {
  it('says how long until a call may go through: the rest of the cooldown, a second while a probe is out, 0 when closed', () => {
    const b = new BreakerRegistry({ windowMs: 60_000, minCalls: 2, failureRate: 0.5, cooldownMs: 10_000 });
    expect(b.retryInMs('x', 0)).toBe(0);
    b.record('x', false, 0);
    b.record('x', false, 0);
    expect(b.retryInMs('x', 4_000)).toBe(6_000);
    expect(b.retryInMs('x', 10_000)).toBe(0);
    b.begin('x', 10_000);
    expect(b.retryInMs('x', 10_001)).toBe(1_000);
    b.record('x', true, 10_002);
    expect(b.retryInMs('x', 10_003)).toBe(0);
  });

  it('a probe answered with a 4xx closes the circuit: the expert is up', async () => {
    const breakers = await halfOpen();
    await expect(caller('status-400', breakers).complete('probe-x', ping, { role: 'expert', stage: 0 })).rejects.toThrow(/400/);
    expect(breakers.state('probe-x')).toBe('closed');
    expect(breakers.allows('probe-x')).toBe(true);
  });

  it('a cancelled probe frees the slot for the next call', async () => {
    const breakers = await halfOpen();
    const cancel = new AbortController();
    const probe = caller('slow-3000', breakers).complete('probe-x', ping, { role: 'expert', stage: 0, signal: cancel.signal });
    await new Promise((r) => setTimeout(r, 50));
    expect(breakers.allows('probe-x')).toBe(false); // the probe is in flight
    cancel.abort();
    await expect(probe).rejects.toThrow();
    expect(breakers.allows('probe-x')).toBe(true);
  });

  it('a probe stream the gateway stops reading frees the slot too', async () => {
    const breakers = await halfOpen();
    const s = caller('echo', breakers).stream('probe-x', ping, { role: 'expert', stage: 0 });
    const it = s.deltas[Symbol.asyncIterator]();
    await it.next();
    await it.return?.();
    await s.done.catch(() => undefined);
    expect(breakers.allows('probe-x')).toBe(true);
  });
});
