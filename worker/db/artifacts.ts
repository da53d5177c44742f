import { desc, sql } from 'drizzle-orm';
import type { ArtifactRecord } from '../../router/artifacts';
import type { Db } from './client';
import { routerArtifacts } from './schema';

/** The newest version of every artifact. */
export async function latestArtifacts(db: Db): Promise<ArtifactRecord[]> {
  const rows = await db
    .select()
    .from(routerArtifacts)
    .where(
      sql`(${routerArtifacts.name}, ${routerArtifacts.version}) in (select name, max(version) from router_artifacts group by name)`,
    )
    .orderBy(desc(routerArtifacts.name));
  return rows.map((r) => ({ name: r.name, version: r.version, createdAt: new Date(r.createdAt).toISOString(), data: JSON.parse(r.json) as unknown }));
}

/** Artifact versions only: a cheap check for whether a reload is needed. */
export async function artifactVersions(db: Db): Promise<string> {
  const rows = await db
    .select({ name: routerArtifacts.name, version: sql<number>`max(${routerArtifacts.version})` })
    .from(routerArtifacts)
    .groupBy(routerArtifacts.name);
  return rows.map((r) => `${r.name}@${r.version}`).sort().join(',');
}

export async function saveArtifact(db: Db, name: string, data: unknown): Promise<number> {
  const [row] = await db
    .select({ v: sql<number>`coalesce(max(${routerArtifacts.version}), 0)` })
    .from(routerArtifacts)
    .where(sql`${routerArtifacts.name} = ${name}`);
  const version = (row?.v ?? 0) + 1;
  await db.insert(routerArtifacts).values({ name, version, json: JSON.stringify(data) });
  return version;
}
