import type { ReplayStore } from '../../experts';
import { RecentMap } from '../../router/recent';
import { REPLAY_MANIFEST_PATH, replayEntryPath, replayKey, type ReplayEntry } from '../../experts/replay-key';

/**
 * Recorded answers served by the replay Worker's static assets (dist/assets/replay/<key>.json, built by
 * scripts/build-replay.ts): a lookup fetches and parses that one prompt's entry (~13 KB). The
 * experts of one ensemble ask for the same prompt at once, so lookups in flight are shared, and
 * the last few entries are kept; nothing else is held.
 */
export const RECENT_REPLAY_ENTRIES = 64;
const recent = new RecentMap<string, Promise<ReplayEntry | null>>(RECENT_REPLAY_ENTRIES);

export function assetReplayStore(assets: Fetcher): ReplayStore {
  return {
    async lookup(prompt) {
      const key = await replayKey(prompt);
      const hit = recent.get(key);
      if (hit) return hit;
      const loading = recent.set(key, loadEntry(assets, key));
      // A failed lookup is not remembered; a miss (null) is, like an entry.
      loading.catch(() => recent.delete(key));
      return loading;
    },
  };
}

async function loadEntry(assets: Fetcher, key: string): Promise<ReplayEntry | null> {
  const res = await assets.fetch(`https://assets.local/${replayEntryPath(key)}`);
  if (res.ok) return (await res.json()) as ReplayEntry;
  await res.body?.cancel();
  if (res.status !== 404) throw new Error(`replay entry ${key}: HTTP ${res.status}`);
  // Not recorded, unless the answers were never built at all (the manifest is a few bytes).
  const manifest = await assets.fetch(`https://assets.local/${REPLAY_MANIFEST_PATH}`);
  await manifest.body?.cancel();
  if (!manifest.ok) throw new Error(`replay answers missing: ${REPLAY_MANIFEST_PATH} answered HTTP ${manifest.status} (run scripts/build-replay.ts)`);
  return null;
}
