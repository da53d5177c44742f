import type { Db } from '../db/client';
import { findActiveKeyByHash, type ApiKeyRow } from '../db/keys';
import { IsolateCache } from './isolate-cache';

/**
 * Stored API keys by hash, per isolate, revalidated off the critical path like the registry: a
 * key already seen costs no D1 read. A key revoked or changed through this isolate's admin API is
 * forgotten at once; other isolates stop honouring a revoked key within the cache TTL. Unknown
 * keys are not remembered, so a key made a moment ago works at once everywhere.
 */
const keys = new Map<string, IsolateCache<ApiKeyRow | null>>();
let db: Db | null = null;
const MAX_KEYS = 10_000;

/** The active key whose hash (db/keys.ts hashKey) this is, or null. */
export async function activeKey(from: Db, hash: string, ttlMs: number, background?: (p: Promise<unknown>) => void): Promise<ApiKeyRow | null> {
  db = from;
  let entry = keys.get(hash);
  if (!entry) {
    entry = new IsolateCache(() => findActiveKeyByHash(db!, hash));
    const row = await entry.get(ttlMs);
    if (!row) return null;
    if (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value!);
    keys.set(hash, entry);
    return row;
  }
  return entry.get(ttlMs, background);
}

export function invalidateKeys(): void {
  keys.clear();
}
