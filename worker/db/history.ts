import { and, desc, eq, getTableColumns, gte, inArray, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { InvalidRequestError } from '../../router/errors';
import { boundJson, boundText } from '../history/bounded-text';
import type { CallRecord, RouteRecord } from '../history/record';
import { MAX_CHUNK_BYTES, splitIntoChunks, utf8Bytes, utf8PrefixLength } from './artifact-chunks';
import type { Db } from './client';
import { D1_MAX_BOUND_PARAMS } from './d1-limits';
import { feedback, routeCalls, routes } from './schema';
import { calledColumn, routeMatches } from './search';

// A route and its calls are written in one D1 batch (one transaction) cut to D1's limits: at most
// 100 bound parameters and MAX_CHUNK_BYTES of values per statement, every row under 2 MB. Long
// texts are bounded (head + marker with the full size) and written in pieces: the insert carries
// what fits, `col = col || ?` updates append the rest. Counts, tokens and cost are never cut.

/** UTF-8 budget of each route text; together under D1's 2 MB row limit. */
export const ROUTE_TEXT_BYTES = {
  prompt: 200_000,
  messagesJson: 1_000_000,
  response: 500_000,
  policyJson: 20_000,
  decisionJson: 100_000,
  aggregationJson: 100_000,
  errorMessage: 8_000,
} as const;

/** All calls' answers of one route share this budget, each between the two bounds below. */
export const CALL_TEXTS_BYTES = 4_000_000;
export const CALL_TEXT_MIN_BYTES = 16_000;
export const CALL_TEXT_MAX_BYTES = 1_500_000;
const CALL_ERROR_BYTES = 8_000;
/** Bytes a number or null is counted as when sizing a statement. */
const SCALAR_BYTES = 8;

type RouteText = keyof typeof ROUTE_TEXT_BYTES;
type Value = string | number | boolean | null;

/** Writes a route and all its calls atomically (one D1 batch). Idempotent on the route id. */
export function insertRouteRecord(db: Db, r: RouteRecord): Promise<void> {
  return insertRouteRecords(db, [r]);
}

/** Writes several routes with their calls in one D1 batch: one round trip, one transaction. Idempotent. */
export async function insertRouteRecords(db: Db, records: readonly RouteRecord[]): Promise<void> {
  const [first, ...rest] = records.flatMap((r) => [...routeStatements(db, r), db.delete(routeCalls).where(eq(routeCalls.routeId, r.id)), ...callStatements(db, r)]);
  if (first) await db.batch([first, ...rest]);
}

function routeStatements(db: Db, r: RouteRecord): BatchItem<'sqlite'>[] {
  const scalars = {
    id: r.id,
    createdAt: r.createdAt,
    apiKeyId: r.apiKeyId,
    model: boundText(r.model, 1_000),
    policy: boundText(r.policy, 1_000),
    strategy: r.strategy,
    aggregation: r.aggregation,
    stream: r.stream,
    status: r.status,
    httpStatus: r.httpStatus,
    errorCode: r.error?.code ?? null,
    errorSource: r.error?.source ?? null,
    latencyMs: r.latencyMs,
    ttftMs: r.ttftMs,
    promptTokens: r.usage.promptTokens,
    completionTokens: r.usage.completionTokens,
    costUsd: r.costUsd,
    cache: r.cache ?? null,
  };
  const texts: Record<RouteText, string | null> = {
    errorMessage: r.error ? boundText(r.error.message, ROUTE_TEXT_BYTES.errorMessage) : null,
    policyJson: boundJson(r.policyJson, ROUTE_TEXT_BYTES.policyJson),
    decisionJson: r.decision ? boundJson(r.decision, ROUTE_TEXT_BYTES.decisionJson) : null,
    aggregationJson: r.aggregationDetail ? boundJson(r.aggregationDetail, ROUTE_TEXT_BYTES.aggregationJson) : null,
    prompt: boundText(r.prompt, ROUTE_TEXT_BYTES.prompt),
    response: r.response === null ? null : boundText(r.response, ROUTE_TEXT_BYTES.response),
    messagesJson: boundJson(r.messages, ROUTE_TEXT_BYTES.messagesJson),
  };
  const { inline, appends } = splitTexts(texts, MAX_CHUNK_BYTES - bytesOf(Object.values(scalars)));
  // Text columns take their first piece as a bound value as is (the JSON ones are JSON text already).
  const values = { ...scalars, ...Object.fromEntries(Object.entries(inline).map(([k, v]) => [k, v === null ? null : sql`${v}`])) } as typeof routes.$inferInsert;
  // A retry after a lost acknowledgement rewrites the row whole, so appended pieces never double.
  const insert = db.insert(routes).values(values).onConflictDoUpdate({ target: routes.id, set: excludedColumns() });
  const more = appends.map(({ column, piece }) => db.update(routes).set({ [column]: sql`${routes[column]} || ${piece}` }).where(eq(routes.id, r.id)));
  return [insert, ...more];
}

/** `set` for an upsert: every column but the key from the row being inserted. */
function excludedColumns(): Record<string, SQL> {
  return Object.fromEntries(
    Object.entries(getTableColumns(routes))
      .filter(([key]) => key !== 'id')
      .map(([key, column]) => [key, sql.raw(`excluded.${column.name}`)]),
  );
}

/** Call rows packed into inserts under the parameter and size limits; a long answer goes alone, in pieces. */
function callStatements(db: Db, r: RouteRecord): BatchItem<'sqlite'>[] {
  const textBytes = Math.min(CALL_TEXT_MAX_BYTES, Math.max(CALL_TEXT_MIN_BYTES, Math.floor(CALL_TEXTS_BYTES / Math.max(1, r.calls.length))));
  const rows = r.calls.map((c) => callRow(r.id, c, textBytes));
  const perInsert = Math.floor(D1_MAX_BOUND_PARAMS / Object.keys(rows[0] ?? {}).length);
  const out: BatchItem<'sqlite'>[] = [];
  let pack: (typeof rows)[number][] = [];
  let packBytes = 0;
  const flush = () => {
    if (pack.length) out.push(db.insert(routeCalls).values(pack));
    pack = [];
    packBytes = 0;
  };
  for (const row of rows) {
    const bytes = bytesOf(Object.values(row));
    if (bytes <= MAX_CHUNK_BYTES / 4) {
      if (pack.length === perInsert || packBytes + bytes > MAX_CHUNK_BYTES) flush();
      pack.push(row);
      packBytes += bytes;
      continue;
    }
    flush();
    const { inline, appends } = splitTexts({ response: row.response }, MAX_CHUNK_BYTES - bytesOf(Object.values({ ...row, response: null })));
    out.push(db.insert(routeCalls).values({ ...row, response: inline.response }));
    // The row just inserted is the route's newest: the batch is one transaction.
    const last = sql`${routeCalls.id} = (select max(${routeCalls.id}) from ${routeCalls} where ${routeCalls.routeId} = ${r.id})`;
    for (const { piece } of appends) out.push(db.update(routeCalls).set({ response: sql`${routeCalls.response} || ${piece}` }).where(last));
  }
  flush();
  return out;
}

function callRow(routeId: string, c: CallRecord, textBytes: number) {
  return {
    routeId,
    createdAt: c.startedAt,
    expertId: c.expertId,
    role: c.role,
    stage: c.stage,
    status: c.status,
    latencyMs: c.latencyMs,
    promptTokens: c.usage.promptTokens,
    completionTokens: c.usage.completionTokens,
    costUsd: c.costUsd,
    attempts: c.attempts,
    response: c.text === null ? null : boundText(c.text, textBytes),
    errorMessage: c.error ? boundText(c.error.message, CALL_ERROR_BYTES) : null,
    errorSource: c.error?.source ?? null,
    upstreamStatus: c.error?.upstreamStatus ?? null,
  };
}

/**
 * Each text's first piece (as much as the shared `inlineBytes` still holds, possibly empty) and the
 * rest as appends of at most MAX_CHUNK_BYTES each. Nulls stay null.
 */
function splitTexts<K extends string>(texts: Record<K, string | null>, inlineBytes: number): { inline: Record<K, string | null>; appends: { column: K; piece: string }[] } {
  let room = Math.max(0, inlineBytes);
  const inline = {} as Record<K, string | null>;
  const appends: { column: K; piece: string }[] = [];
  for (const column of Object.keys(texts) as K[]) {
    const text = texts[column];
    if (text === null) {
      inline[column] = null;
      continue;
    }
    const cut = utf8PrefixLength(text, room);
    inline[column] = text.slice(0, cut);
    room -= utf8Bytes(inline[column]);
    if (cut < text.length) for (const piece of splitIntoChunks(text.slice(cut))) appends.push({ column, piece });
  }
  return { inline, appends };
}

/** Size of a statement's bound values as D1 would count them. */
function bytesOf(values: Value[]): number {
  return values.reduce<number>((sum, v) => sum + (typeof v === 'string' ? utf8Bytes(v) : SCALAR_BYTES), 0);
}

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
