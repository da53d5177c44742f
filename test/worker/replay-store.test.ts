import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { assetReplayStore, RECENT_REPLAY_ENTRIES } from '../../worker/gateway/replay-store';
import { GEMINI_PRO_ANSWER, RECORDED_PROMPT } from './helpers';

// The replay expert must cost a lookup, not a parse: under load over many prompts, parsing a
// ~300 KB shard per lookup grew the gateway's workerd past 900 MB until it restarted. A lookup now
// reads that one prompt's entry from the static assets.

/** env.REPLAY, counting requests and bytes read. */
function countingAssets(inner: Fetcher = env.REPLAY) {
  const seen = { fetches: 0, bytes: 0 };
  const assets = {
    async fetch(input: RequestInfo | URL, init?: RequestInit) {
      seen.fetches++;
      const res = await inner.fetch(input as string, init);
      const body = await res.arrayBuffer();
      seen.bytes += body.byteLength;
      return new Response(body, { status: res.status, headers: res.headers });
    },
  } as unknown as Fetcher;
  return { assets, seen };
}

/**
 * The isolate's recent entries are shared by every test file in this runtime (files are not
 * isolated): asking for as many unrecorded prompts as it keeps pushes the recorded ones out, so the
 * lookups below are cold whatever ran before.
 */
async function forgetRecentEntries(): Promise<void> {
  const store = assetReplayStore(env.REPLAY);
  for (let i = 0; i < RECENT_REPLAY_ENTRIES; i++) await store.lookup(`Nobody recorded this prompt (replay-store test ${i})`);
}

describe('replay store', () => {
  beforeEach(forgetRecentEntries);

  it("reads only the asked prompt's entry", async () => {
    const { assets, seen } = countingAssets();
    const entry = await assetReplayStore(assets).lookup(`  ${RECORDED_PROMPT.replaceAll('\n', '\n\n')} `);
    expect(entry?.answers['gemini-1.5-pro-002']).toBe(GEMINI_PRO_ANSWER);
    expect(seen.fetches).toBe(1);
    // One prompt's 29 answers, not a shard of a few hundred prompts.
    expect(seen.bytes).toBeLessThan(64 * 1024);
  });

  it('shares one read among the experts of an ensemble asking at once', async () => {
    const { assets, seen } = countingAssets();
    const prompt = RECORDED_PROMPT.replace('Answer with', 'Answer  with');
    const stores = Array.from({ length: 29 }, () => assetReplayStore(assets));
    const entries = await Promise.all(stores.map((s) => s.lookup(prompt)));
    expect(new Set(entries.map((e) => e?.answers['gemini-1.5-pro-002']))).toEqual(new Set([GEMINI_PRO_ANSWER]));
    expect(seen.fetches).toBe(1);
  });

  it('answers null for a prompt nobody recorded, and says so when the answers were never built', async () => {
    expect(await assetReplayStore(env.REPLAY).lookup('What is the airspeed of an unladen swallow? (replay-store test)')).toBeNull();
    const nothingBuilt = { fetch: async () => new Response('not found', { status: 404 }) } as unknown as Fetcher;
    await expect(assetReplayStore(nothingBuilt).lookup('Another prompt nobody recorded (replay-store test)')).rejects.toThrow(
      /replay answers missing.*build-replay/,
    );
  });
});
