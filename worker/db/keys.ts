import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from './client';
import { apiKeys } from './schema';
import { sha256Hex } from '../../router/hex';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

/** How every key made by the admin API begins (shown in full once, stored as its SHA-256). */
export const API_KEY_PREFIX = 'sk-cv-';

/** Keys are stored only as SHA-256 hex digests. */
export async function hashKey(key: string): Promise<string> {
  return sha256Hex(key);
}

export async function findActiveKeyByHash(db: Db, keyHash: string): Promise<ApiKeyRow | null> {
  const rows = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
    .limit(1);
  return rows[0] ?? null;
}

export async function insertKey(db: Db, row: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
  const [created] = await db.insert(apiKeys).values(row).returning();
  return created!;
}

export async function getKey(db: Db, id: string): Promise<ApiKeyRow | null> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1);
  return row ?? null;
}

export function listKeys(db: Db): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).orderBy(apiKeys.createdAt);
}

export async function updateKey(db: Db, id: string, patch: Partial<typeof apiKeys.$inferInsert>): Promise<ApiKeyRow | null> {
  // An UPDATE with no SET columns is not SQL: an empty patch changes nothing.
  if (Object.keys(patch).length === 0) return getKey(db, id);
  const [row] = await db.update(apiKeys).set(patch).where(eq(apiKeys.id, id)).returning();
  return row ?? null;
}

/** Revokes a key; one revoked already keeps the time it was revoked. */
export async function revokeKey(db: Db, id: string, at: number): Promise<ApiKeyRow | null> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${at})` })
    .where(eq(apiKeys.id, id))
    .returning();
  return row ?? null;
}
