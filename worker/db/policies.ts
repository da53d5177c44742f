import { eq } from 'drizzle-orm';
import type { Db } from './client';
import { policies } from './schema';

export type PolicyRow = typeof policies.$inferSelect;

export function listPolicyRows(db: Db): Promise<PolicyRow[]> {
  return db.select().from(policies).orderBy(policies.name);
}

export async function getPolicyRow(db: Db, name: string): Promise<PolicyRow | null> {
  const rows = await db.select().from(policies).where(eq(policies.name, name)).limit(1);
  return rows[0] ?? null;
}

export async function upsertPolicy(db: Db, name: string, description: string, config: Record<string, unknown>): Promise<PolicyRow> {
  const [row] = await db
    .insert(policies)
    .values({ name, description, config })
    .onConflictDoUpdate({ target: policies.name, set: { description, config, updatedAt: Date.now() } })
    .returning();
  return row!;
}

export async function deletePolicy(db: Db, name: string): Promise<boolean> {
  const deleted = await db.delete(policies).where(eq(policies.name, name)).returning({ name: policies.name });
  return deleted.length > 0;
}
