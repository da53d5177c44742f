import { eq } from 'drizzle-orm';
import type { ExpertProfile } from '../../router/types';
import type { Db } from './client';
import { experts } from './schema';

export type ExpertRow = typeof experts.$inferSelect;
export type ExpertInsert = typeof experts.$inferInsert;

export function toProfile(row: ExpertRow): ExpertProfile {
  return {
    id: row.id,
    provider: row.provider,
    model: row.model,
    endpointUrl: row.endpointUrl,
    replicaUrls: row.replicaUrls,
    apiKeySecret: row.apiKeySecret,
    inputPricePerMTok: row.inputPricePerMTok,
    outputPricePerMTok: row.outputPricePerMTok,
    skills: row.skills,
    tags: row.tags,
    enabled: row.enabled,
    capabilities: row.capabilities,
    task: row.task,
    demo: row.demo,
  };
}

export function listExpertRows(db: Db): Promise<ExpertRow[]> {
  return db.select().from(experts).orderBy(experts.id);
}

export async function getExpertRow(db: Db, id: string): Promise<ExpertRow | null> {
  const rows = await db.select().from(experts).where(eq(experts.id, id)).limit(1);
  return rows[0] ?? null;
}

export async function insertExpert(db: Db, row: ExpertInsert): Promise<ExpertRow> {
  const [created] = await db.insert(experts).values(row).returning();
  return created!;
}

export async function updateExpert(db: Db, id: string, patch: Partial<ExpertInsert>): Promise<ExpertRow | null> {
  const [updated] = await db
    .update(experts)
    .set({ ...patch, updatedAt: Date.now() })
    .where(eq(experts.id, id))
    .returning();
  return updated ?? null;
}

export async function deleteExpert(db: Db, id: string): Promise<boolean> {
  const deleted = await db.delete(experts).where(eq(experts.id, id)).returning({ id: experts.id });
  return deleted.length > 0;
}
