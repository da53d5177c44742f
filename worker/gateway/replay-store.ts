import type { ReplayStore } from '../../experts';
import { replayKey, replayShard, type ReplayShard } from '../../experts/replay-key';

/** Parsed shards kept per isolate; 48 × ~300 KB bounds memory well under the isolate limit. */
const MAX_SHARDS = 48;
const shards = new Map<string, Promise<ReplayShard>>();

/** Recorded answers served from the Worker's static assets (dist/assets/replay/XX.json). */
export function assetReplayStore(assets: Fetcher): ReplayStore {
  return {
    async lookup(prompt) {
      const key = await replayKey(prompt);
      const shard = await loadShard(assets, replayShard(key));
      return shard[key] ?? null;
    },
  };
}

function loadShard(assets: Fetcher, name: string): Promise<ReplayShard> {
  const hit = shards.get(name);
  if (hit) {
    // Re-insert to keep the map in least-recently-used order.
    shards.delete(name);
    shards.set(name, hit);
    return hit;
  }
  const loading = assets.fetch(`https://assets.local/replay/${name}.json`).then(async (res) => {
    if (!res.ok) throw new Error(`replay shard ${name}: HTTP ${res.status} (run scripts/build-replay.ts)`);
    return (await res.json()) as ReplayShard;
  });
  loading.catch(() => shards.delete(name));
  shards.set(name, loading);
  if (shards.size > MAX_SHARDS) shards.delete(shards.keys().next().value!);
  return loading;
}
