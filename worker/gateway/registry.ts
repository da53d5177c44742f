import type { ExpertProfile } from '../../router/types';
import type { Db } from '../db/client';
import { listExpertRows, toProfile } from '../db/experts';
import { listPolicyRows, type PolicyRow } from '../db/policies';

/** The registry as a request sees it: experts and saved policies. */
export interface Registry {
  experts: ExpertProfile[];
  policies: ReadonlyMap<string, PolicyRow>;
}

/**
 * Cached per isolate so a chat request costs no D1 read on the hot path. Admin writes in this
 * isolate invalidate it at once; other isolates see changes within the TTL.
 */
let cached: { at: number; registry: Promise<Registry> } | null = null;

export function loadRegistry(db: Db, ttlMs: number, now = Date.now()): Promise<Registry> {
  if (cached && now - cached.at < ttlMs) return cached.registry;
  const registry = Promise.all([listExpertRows(db), listPolicyRows(db)]).then(([experts, policies]) => ({
    experts: experts.map(toProfile),
    policies: new Map(policies.map((p) => [p.name, p])),
  }));
  cached = { at: now, registry };
  // A failed load must not be served from the cache.
  registry.catch(() => (cached = null));
  return registry;
}

export function invalidateRegistry(): void {
  cached = null;
}
