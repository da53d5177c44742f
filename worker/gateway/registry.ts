import type { ExpertProfile } from '../../router/types';
import type { Db } from '../db/client';
import { listExpertRows, toProfile } from '../db/experts';
import { listPolicyRows, type PolicyRow } from '../db/policies';
import { IsolateCache } from './isolate-cache';

/** The registry as a request sees it: experts and saved policies. */
export interface Registry {
  experts: ExpertProfile[];
  policies: ReadonlyMap<string, PolicyRow>;
}

/**
 * Cached per isolate and revalidated off the critical path, so a chat request costs no D1 read.
 * Admin writes in this isolate invalidate it at once; other isolates see changes within the TTL.
 */
let db: Db | null = null;
const cache = new IsolateCache<Registry>(async () => {
  const [experts, policies] = await Promise.all([listExpertRows(db!), listPolicyRows(db!)]);
  return { experts: experts.map(toProfile), policies: new Map(policies.map((p) => [p.name, p])) };
});

export function loadRegistry(from: Db, ttlMs: number, background?: (p: Promise<unknown>) => void): Promise<Registry> {
  db = from;
  return cache.get(ttlMs, background);
}

export function invalidateRegistry(): void {
  cache.invalidate();
}
