import { eq, lt } from 'drizzle-orm';
import type { Db } from './client';
import { revokedSessions } from './schema';

/** Ends a session before its expiry; rows of sessions that have expired by now are dropped meanwhile. */
export async function revokeSession(db: Db, id: string, expiresAt: number, now = Date.now()): Promise<void> {
  await db.batch([
    db.delete(revokedSessions).where(lt(revokedSessions.expiresAt, now)),
    db.insert(revokedSessions).values({ id, expiresAt }).onConflictDoNothing(),
  ]);
}

export async function isSessionRevoked(db: Db, id: string): Promise<boolean> {
  const rows = await db.select({ id: revokedSessions.id }).from(revokedSessions).where(eq(revokedSessions.id, id)).limit(1);
  return rows.length > 0;
}
