import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { ArtifactRecord } from '../../router/artifacts';
import { GatewayError } from '../../router/errors';
import { splitIntoChunks, utf8Bytes } from './artifact-chunks';
import type { Db } from './client';
import { routerArtifactChunks, routerArtifacts } from './schema';

// Router artifacts in D1: a header row per version and its JSON in ordered chunks, written in one
// batch (a D1 batch is a transaction), so a version is either whole or absent.

/** A stored artifact version with what it has learned from the routing history. */
export interface StoredArtifact extends ArtifactRecord {
  feedbackThrough: number;
}

/** What a version has learned from: feedback rows (`feedback.id`), and unrated routes by consensus (`route_calls.id`). */
export type Watermark = 'feedbackThrough' | 'consensusThrough';

export interface ArtifactHeader {
  name: string;
  version: number;
  createdAt: number;
  chunks: number;
  bytes: number;
  feedbackThrough: number;
  consensusThrough: number;
}

/** Versions kept per artifact; older ones are pruned after each save. */
export const KEPT_ARTIFACT_VERSIONS = 3;

const latest = sql`(${routerArtifacts.name}, ${routerArtifacts.version}) in (select name, max(version) from router_artifacts group by name)`;

/** Header rows of the newest version of every artifact (or of the named ones), by name. */
export async function latestArtifactHeaders(db: Db, names?: readonly string[]): Promise<ArtifactHeader[]> {
  const which = names ? and(latest, inArray(routerArtifacts.name, [...names])) : latest;
  return db.select().from(routerArtifacts).where(which).orderBy(asc(routerArtifacts.name));
}

/** The newest version of every artifact (or of the named ones), parsed. */
export async function latestArtifacts(db: Db, names?: readonly string[]): Promise<StoredArtifact[]> {
  return artifactsOf(db, await latestArtifactHeaders(db, names));
}

/** The versions these headers name, their chunks read in one batch and parsed. */
export async function artifactsOf(db: Db, headers: readonly ArtifactHeader[]): Promise<StoredArtifact[]> {
  if (headers.length === 0) return [];
  const [first, ...rest] = headers.map((h) =>
    db
      .select({ seq: routerArtifactChunks.seq, body: routerArtifactChunks.body })
      .from(routerArtifactChunks)
      .where(and(eq(routerArtifactChunks.name, h.name), eq(routerArtifactChunks.version, h.version)))
      .orderBy(asc(routerArtifactChunks.seq)),
  );
  const bodies = await db.batch([first!, ...rest]);
  return headers.map((h, i) => {
    const chunks = bodies[i]!;
    if (chunks.length !== h.chunks || chunks.some((c, seq) => c.seq !== seq)) {
      throw new GatewayError(`artifact ${h.name}@${h.version} has ${chunks.length} of its ${h.chunks} chunks`, 'artifact_incomplete', 500);
    }
    const json = chunks.map((c) => c.body).join('');
    return {
      name: h.name,
      version: h.version,
      createdAt: new Date(h.createdAt).toISOString(),
      feedbackThrough: h.feedbackThrough,
      data: JSON.parse(json) as unknown,
    };
  });
}

/** Artifact versions only: a cheap check for whether a reload is needed. */
export async function artifactVersions(db: Db): Promise<string> {
  const rows = await db
    .select({ name: routerArtifacts.name, version: sql<number>`max(${routerArtifacts.version})` })
    .from(routerArtifacts)
    .groupBy(routerArtifacts.name);
  return rows
    .map((r) => `${r.name}@${r.version}`)
    .sort()
    .join(',');
}

export interface NewArtifact {
  name: string;
  data: unknown;
  feedbackThrough: number;
  /** 0 when absent: learned from no unrated route yet. */
  consensusThrough?: number;
  /** The version this one replaces (0 for a first version): a concurrent save of the same base fails. */
  basedOn: number;
}

/**
 * Saves each artifact as version `basedOn + 1`, all in one transaction. When another writer saved
 * one of those versions first, the primary key refuses the batch and nothing is written: the
 * caller learned from the same feedback as that writer, so its work is simply dropped. `also`
 * runs in the same transaction (what a learning pass records of the rows it learned from).
 */
export async function saveArtifacts(db: Db, artifacts: readonly NewArtifact[], also: readonly BatchItem<'sqlite'>[] = []): Promise<ArtifactHeader[]> {
  const now = Date.now();
  const statements: BatchItem<'sqlite'>[] = [];
  const headers: ArtifactHeader[] = [];
  for (const a of artifacts) {
    const json = JSON.stringify(a.data);
    const chunks = splitIntoChunks(json);
    const header = {
      name: a.name,
      version: a.basedOn + 1,
      createdAt: now,
      chunks: chunks.length,
      bytes: utf8Bytes(json),
      feedbackThrough: a.feedbackThrough,
      consensusThrough: a.consensusThrough ?? 0,
    };
    headers.push(header);
    statements.push(db.insert(routerArtifacts).values(header));
    chunks.forEach((body, seq) => statements.push(db.insert(routerArtifactChunks).values({ name: a.name, version: header.version, seq, body })));
  }
  const [first, ...rest] = [...statements, ...also];
  if (!first) return [];
  await db.batch([first, ...rest]);
  return headers;
}

/**
 * Records that a version has seen feedback (or unrated routes) up to `through` without a new
 * version: the rows implied nothing it learns from. Monotonic, so a late or repeated call never
 * moves the watermark back.
 */
export async function advanceWatermark(db: Db, name: string, version: number, through: number, which: Watermark = 'feedbackThrough'): Promise<void> {
  await db
    .update(routerArtifacts)
    .set({ [which]: sql`max(${routerArtifacts[which]}, ${through})` })
    .where(and(eq(routerArtifacts.name, name), eq(routerArtifacts.version, version)));
}

/** Deletes all but the newest `keep` versions of every artifact; returns how many versions went. */
export async function pruneArtifactVersions(db: Db, keep = KEPT_ARTIFACT_VERSIONS): Promise<number> {
  const stale = sql`version <= (select max(b.version) from router_artifacts b where b.name = router_artifacts.name) - ${keep}`;
  const old = await db.select({ name: routerArtifacts.name, version: routerArtifacts.version }).from(routerArtifacts).where(stale);
  if (old.length === 0) return 0;
  await db.batch([
    db.delete(routerArtifactChunks).where(sql`(name, version) in (select name, version from router_artifacts where ${stale})`),
    db.delete(routerArtifacts).where(stale),
  ]);
  return old.length;
}
