import type { ExpertProfile } from '../../router/types';
import type { Db } from '../db/client';
import { listExpertRows, toProfile } from '../db/experts';

/**
 * The expert registry, cached per isolate so a chat request costs no D1 read on the hot path.
 * Admin writes in this isolate invalidate it at once; other isolates see changes within the TTL.
 */
let cached: { at: number; experts: ExpertProfile[] } | null = null;

export async function loadRegistry(db: Db, ttlMs: number, now = Date.now()): Promise<ExpertProfile[]> {
  if (cached && now - cached.at < ttlMs) return cached.experts;
  const experts = (await listExpertRows(db)).map(toProfile);
  cached = { at: now, experts };
  return experts;
}

export function invalidateRegistry(): void {
  cached = null;
}
