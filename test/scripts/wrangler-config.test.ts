import { describe, expect, it } from 'vitest';
import { unstable_readConfig } from 'wrangler';

// Static assets on the gateway's Worker put the asset router in front of every request, answered
// from them or not: a hop each chat completion paid for the replay answers. They are their own
// assets-only Worker, reached through the gateway's REPLAY service binding.

describe('wrangler configuration', () => {
  const gateway = unstable_readConfig({ config: 'wrangler.toml' });
  const replay = unstable_readConfig({ config: 'replay.wrangler.toml' });

  it('gives the gateway no static assets', () => {
    expect(gateway.assets).toBeUndefined();
  });

  it('binds REPLAY to the assets-only Worker serving the built replay answers', () => {
    expect(gateway.services).toContainEqual(expect.objectContaining({ binding: 'REPLAY', service: replay.name }));
    expect(replay.main).toBeUndefined();
    expect(replay.assets?.directory).toMatch(/dist\/assets$/);
  });

  it('publishes the replay answers nowhere but through that binding', () => {
    expect(replay.workers_dev).toBe(false);
    expect(replay.preview_urls).toBe(false);
    expect(replay.routes ?? []).toEqual([]);
  });
});
