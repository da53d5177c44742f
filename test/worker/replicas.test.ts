import { describe, expect, inject, it } from 'vitest';
import { addExpert, chat } from './helpers';

// Replica failover through the gateway's real fetch, against the loopback peer: one replica is gone
// (nothing listens on port 1) or plays a fault (/fault/<behaviour>/), the other answers. Whatever
// happens to one replica, a request the other could answer is answered (test/e2e/replicas.test.ts
// kills a real GPU service process mid-run). Replicas are taken out per isolate, by URL.

const GONE = 'http://127.0.0.1:1';
const peer = () => inject('peerUrl');
const ask = (model: string) => chat({ model, messages: [{ role: 'user', content: 'ping' }] });
const hits = async (fault: string) => ((await (await fetch(`${peer()}/stats`)).json()) as { byModel: Record<string, number> }).byModel[fault] ?? 0;

/** An expert served by the gone endpoint and the peer; two calls, so one of them tries the gone one and takes it out. */
async function takeOutGone(id: string): Promise<void> {
  await addExpert({ id, provider: 'openai', model: 'echo', endpoint_url: GONE, replica_urls: [peer()] });
  for (let i = 0; i < 2; i++) expect((await ask(id)).status).toBe(200);
}

describe('an expert with replicas', () => {
  it('answers a request that is not streamed from the other replica when a stream breaks mid-answer', async () => {
    await addExpert({ id: 'rep-broken', provider: 'openai', model: 'echo', endpoint_url: `${peer()}/fault/broken-stream`, replica_urls: [peer()] });
    // Attempts alternate between replicas with nothing in flight: one of two calls starts on the broken one.
    const before = await hits('broken-stream');
    for (let i = 0; i < 2; i++) {
      const res = await chat({ model: 'rep-broken', messages: [{ role: 'user', content: 'a b c d e f' }] });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('echo: a b c d e f');
    }
    expect(await hits('broken-stream')).toBeGreaterThan(before);
  });

  it('retries a failed attempt on the replica that is up when the untried one is out', async () => {
    await takeOutGone('rep-warm-1');
    await addExpert({ id: 'rep-500', provider: 'openai', model: 'echo', endpoint_url: GONE, replica_urls: [`${peer()}/fault/flaky-1-500`] });
    const res = await ask('rep-500');
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await hits('flaky-1-500')).toBe(2);
  });

  it('checks the replicas at once when every one is out, and answers from the one that is back', async () => {
    await takeOutGone('rep-warm-2');
    // The live replica drops one connection: it is taken out too, and nothing is up until a health check.
    await addExpert({ id: 'rep-reset', provider: 'openai', model: 'echo', endpoint_url: GONE, replica_urls: [`${peer()}/fault/reset-1`] });
    const res = await ask('rep-reset');
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await hits('reset-1')).toBe(2);
    expect((await ask('rep-reset')).status).toBe(200);
  });

  it('still fails, naming the replicas, when none of them answers', async () => {
    await addExpert({ id: 'rep-none', provider: 'openai', model: 'echo', endpoint_url: GONE, replica_urls: ['http://127.0.0.1:2'] });
    const res = await ask('rep-none');
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(/network error|none of its 2 replicas is up/);
  });
});
