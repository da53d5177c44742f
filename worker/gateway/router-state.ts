import { buildAggregators } from '../../router/aggregate';
import type { Aggregator } from '../../router/aggregate/types';
import type { ArtifactSet } from '../../router/artifacts';
import { buildStrategies } from '../../router/strategies';
import type { RoutingStrategy } from '../../router/types';
import type { Db } from '../db/client';
import { artifactVersions, latestArtifacts } from '../db/artifacts';

/**
 * Trained artifacts and the strategies built from them, per isolate. Versions are re-checked once
 * the cache TTL has passed, in the background when the caller passes `background` (waitUntil), so
 * requests keep routing with the loaded artifacts meanwhile; a new version is hot-swapped.
 */

interface RouterState {
  checkedAt: number;
  versions: string;
  artifacts: ArtifactSet;
  strategies: Map<string, RoutingStrategy>;
  aggregators: Map<string, Aggregator>;
}

let state: RouterState | null = null;
let loading: Promise<RouterState> | null = null;

export async function routerState(db: Db, ttlMs: number, background?: (p: Promise<unknown>) => void, now = Date.now()): Promise<RouterState> {
  if (state && now - state.checkedAt < ttlMs) return state;
  loading ??= refresh(db, now).finally(() => (loading = null));
  if (state && background && ttlMs > 0) {
    background(loading.catch((e: unknown) => console.warn(JSON.stringify({ event: 'artifacts_refresh_failed', error: String(e) }))));
    return state;
  }
  return loading;
}

async function refresh(db: Db, now: number): Promise<RouterState> {
  const versions = await artifactVersions(db);
  if (state && state.versions === versions) return (state = { ...state, checkedAt: now });
  const artifacts: ArtifactSet = new Map((await latestArtifacts(db)).map((a) => [a.name, a]));
  state = { checkedAt: now, versions, artifacts, strategies: buildStrategies(artifacts), aggregators: buildAggregators({ artifacts }) };
  return state;
}

/** Forces a reload on the next request (after this isolate saved new artifacts). */
export function invalidateRouterState(): void {
  state = null;
}
