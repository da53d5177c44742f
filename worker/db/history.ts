import { and, desc, eq, getTableColumns, gte, inArray, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { InvalidRequestError } from '../../router/errors';
import type { Db } from './client';
import { feedback, routeCalls, routes } from './schema';
import { calledColumn, routeMatches } from './search';

export interface RouteFilters {
  policy?: string | undefined;
  model?: string | undefined;
  status?: 'ok' | 'error' | undefined;
  apiKeyId?: string | undefined;
  expert?: string | undefined;
  /** Full-text search over prompts and answers. */
  q?: string | undefined;
  since?: number | undefined;
  until?: number | undefined;
  /** Opaque cursor from the previous page. */
  cursor?: string | undefined;
  limit: number;
}

export type RouteRow = typeof routes.$inferSelect;
/** A listed route with the calls it made (JSON text: [{expert, role, status}]). */
export type ListedRoute = RouteRow & { called: string | null };

/** Newest first, keyset-paged on (created_at, id) so pages stay stable while rows arrive. */
export async function listRoutes(db: Db, f: RouteFilters): Promise<{ routes: ListedRoute[]; nextCursor: string | null }> {
  const where: SQL[] = [];
  if (f.policy) where.push(eq(routes.policy, f.policy));
  if (f.model) where.push(eq(routes.model, f.model));
  if (f.status) where.push(eq(routes.status, f.status));
  if (f.apiKeyId) where.push(eq(routes.apiKeyId, f.apiKeyId));
  if (f.since !== undefined) where.push(gte(routes.createdAt, f.since));
  if (f.until !== undefined) where.push(lte(routes.createdAt, f.until));
  if (f.q) where.push(routeMatches(f.q));
  if (f.expert) {
    where.push(inArray(routes.id, db.select({ id: routeCalls.routeId }).from(routeCalls).where(eq(routeCalls.expertId, f.expert))));
  }
  if (f.cursor) {
    const [at, id] = decodeCursor(f.cursor);
    where.push(or(lt(routes.createdAt, at), and(eq(routes.createdAt, at), lt(routes.id, id)))!);
  }
  const rows = await db
    .select({ ...getTableColumns(routes), called: calledColumn })
    .from(routes)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(routes.createdAt), desc(routes.id))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  return { routes: page, nextCursor: rows.length > f.limit && last ? encodeCursor(last.createdAt, last.id) : null };
}

export async function getRouteWithCalls(db: Db, id: string) {
  const [route] = await db.select().from(routes).where(eq(routes.id, id)).limit(1);
  if (!route) return null;
  const [calls, fb] = await Promise.all([
    db.select().from(routeCalls).where(eq(routeCalls.routeId, id)).orderBy(routeCalls.stage, routeCalls.id),
    db.select().from(feedback).where(eq(feedback.routeId, id)).orderBy(feedback.id),
  ]);
  return { route, calls, feedback: fb };
}

export async function countRoutes(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)` }).from(routes);
  return row?.n ?? 0;
}

function encodeCursor(at: number, id: string): string {
  return btoa(`${at}:${id}`);
}

function decodeCursor(cursor: string): [number, string] {
  try {
    const text = atob(cursor);
    const sep = text.indexOf(':');
    const at = Number(text.slice(0, sep));
    if (sep < 0 || !Number.isFinite(at)) throw new Error('bad cursor');
    return [at, text.slice(sep + 1)];
  } catch {
    throw new InvalidRequestError('cursor is not one this API returned', 'invalid_cursor', 'cursor');
  }
}
