import { getTableColumns, getTableName, type Table } from 'drizzle-orm';
import { boundJson, boundText } from '../history/bounded-text';
import type { CallRecord, RouteRecord } from '../history/record';
import { MAX_CHUNK_BYTES, splitIntoChunks, utf8Bytes, utf8PrefixLength } from './artifact-chunks';
import type { Db } from './client';
import { D1_MAX_BOUND_PARAMS } from './d1-limits';
import { routeCalls, routes } from './schema';

// Routes and their calls are written in one D1 batch (one transaction) cut to D1's limits: at most
// 100 bound parameters and MAX_CHUNK_BYTES of values per statement, every row under 2 MB. Long
// texts are bounded (head + marker with the full size) and written in pieces: the insert carries
// what fits, `col = col || ?` updates append the rest. Counts, tokens and cost are never cut.
// Every request writes here, so the statements are plain SQL made once from the drizzle schema
// and bound per batch: building them with drizzle's query builder was the largest CPU cost of a
// request after the answer. Small routes and calls share statements across the batch's routes,
// since D1 pays per statement, and reach them as one JSON array read by `json_each`: bound one by
// one, D1's binding serialises and SQLite binds every value on its own.

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
type Value = string | number | null;
type Row<T extends Table> = { [K in keyof T['$inferInsert']]-?: Value };

/** SQL column names by schema key, in the schema's order. */
function columnsOf<T extends Table>(table: T, skip: readonly string[] = []): [key: string, column: string][] {
  return Object.entries(getTableColumns(table))
    .filter(([key]) => !skip.includes(key))
    .map(([key, c]) => [key, c.name]);
}

const ROUTES = getTableName(routes);
const CALLS = getTableName(routeCalls);
const routeColumns = columnsOf(routes);
const callColumns = columnsOf(routeCalls, ['id']);
/** Where the JSON columns sit among a table's columns. */
const jsonColumnsAt = (table: Table, columns: [string, string][]) =>
  new Set(columns.flatMap(([key], i) => (getTableColumns(table)[key]!.columnType === 'SQLiteTextJson' ? [i] : [])));
const routeJsonAt = jsonColumnsAt(routes, routeColumns);
const callJsonAt = jsonColumnsAt(routeCalls, callColumns);
const placeholders = (n: number) => `(${Array.from({ length: n }, () => '?').join(', ')})`;
/** The columns of each element of a JSON array of rows, in order. */
const fromJson = (n: number) => Array.from({ length: n }, (_, i) => `value ->> ${i}`).join(', ');
// A retry after a lost acknowledgement rewrites the row whole, so appended pieces never double.
const onConflictRewrite = `on conflict (id) do update set ${routeColumns
  .filter(([key]) => key !== 'id')
  .map(([, c]) => `${c} = excluded.${c}`)
  .join(', ')}`;
const routeColumnList = routeColumns.map(([, c]) => c).join(', ');
const UPSERT_ROUTE = `insert into ${ROUTES} (${routeColumnList}) values ${placeholders(routeColumns.length)} ${onConflictRewrite}`;
// `where true`: SQLite reads an upsert's SELECT that way without ambiguity.
const UPSERT_ROUTES_JSON = `insert into ${ROUTES} (${routeColumnList}) select ${fromJson(routeColumns.length)} from json_each(?) where true ${onConflictRewrite}`;
const deleteCalls = (routes: number) => `delete from ${CALLS} where route_id in ${placeholders(routes)}`;
const callColumnList = callColumns.map(([, c]) => c).join(', ');
const INSERT_CALL = `insert into ${CALLS} (${callColumnList}) values ${placeholders(callColumns.length)}`;
// In the array's order: a route's calls keep their ids in the order they were made.
const INSERT_CALLS_JSON = `insert into ${CALLS} (${callColumnList}) select ${fromJson(callColumns.length)} from json_each(?) order by key`;
// The call row just inserted is the route's newest: the batch is one transaction.
const APPEND_LAST_CALL_RESPONSE = `update ${CALLS} set response = response || ? where id = (select max(id) from ${CALLS} where route_id = ?)`;
const appendRouteText = (column: RouteText) => `update ${ROUTES} set ${routes[column].name} = ${routes[column].name} || ? where id = ?`;

export function insertRouteRecord(db: Db, r: RouteRecord): Promise<void> {
  return insertRouteRecords(db, [r]);
}

/**
 * Writes several routes with their calls in one D1 batch: one round trip, one transaction.
 * Idempotent when `rewrite` is set (a retry, since an earlier attempt may have been written with
 * its acknowledgement lost): the routes' calls are deleted before they are written again. A first
 * attempt writes routes nobody has written yet, so it skips that statement.
 */
export async function insertRouteRecords(db: Db, records: readonly RouteRecord[], opts: { rewrite?: boolean } = {}): Promise<void> {
  const d1 = db.$client;
  const statements = [...(opts.rewrite ? deleteStatements(d1, records) : []), ...routeStatements(d1, records), ...callStatements(d1, records)];
  if (statements.length) await d1.batch(statements);
}

function deleteStatements(d1: D1Database, records: readonly RouteRecord[]): D1PreparedStatement[] {
  const out: D1PreparedStatement[] = [];
  for (let i = 0; i < records.length; i += D1_MAX_BOUND_PARAMS) {
    const ids = records.slice(i, i + D1_MAX_BOUND_PARAMS).map((r) => r.id);
    out.push(d1.prepare(deleteCalls(ids.length)).bind(...ids));
  }
  return out;
}

/** Route rows packed into one upsert as long as they fit; a route with long texts goes alone, then its pieces. */
function routeStatements(d1: D1Database, records: readonly RouteRecord[]): D1PreparedStatement[] {
  const out: D1PreparedStatement[] = [];
  const pack = new Packer((rows) => out.push(d1.prepare(UPSERT_ROUTES_JSON).bind(rows)));
  for (const r of records) {
    const { row, appends } = routeRow(r);
    const values = valuesOf(routeColumns, row);
    if (!appends.length && pack.add(rowJson(values, routeJsonAt))) continue;
    out.push(d1.prepare(UPSERT_ROUTE).bind(...values), ...appends.map(({ column, piece }) => d1.prepare(appendRouteText(column)).bind(piece, r.id)));
  }
  pack.flush();
  return out;
}

/**
 * A row as one JSON array. A JSON column's text (an object or an array) goes in as JSON, not as a
 * string holding it: `->>` gives an object's or array's text back as it came in, and D1 then
 * escapes it once instead of twice.
 */
function rowJson(values: readonly Value[], jsonAt: ReadonlySet<number>): string {
  const item = (v: Value, i: number) => (jsonAt.has(i) && typeof v === 'string' && (v[0] === '{' || v[0] === '[') ? v : JSON.stringify(v));
  return `[${values.map(item).join(',')}]`;
}

/** A row's values in its columns' order. */
function valuesOf<R extends Record<string, Value>>(columns: [string, string][], row: R): Value[] {
  return columns.map(([key]) => row[key]!);
}

function routeRow(r: RouteRecord): { row: Row<typeof routes>; appends: { column: RouteText; piece: string }[] } {
  const scalars = {
    id: r.id,
    createdAt: r.createdAt,
    apiKeyId: r.apiKeyId,
    model: boundText(r.model, 1_000),
    policy: boundText(r.policy, 1_000),
    strategy: r.strategy,
    aggregation: r.aggregation,
    stream: r.stream ? 1 : 0,
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
  // The JSON columns take JSON text as is.
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
  return { row: { ...scalars, ...inline }, appends };
}

/** Call rows packed into one insert as long as they fit; a long answer goes alone, in pieces. */
function callStatements(d1: D1Database, records: readonly RouteRecord[]): D1PreparedStatement[] {
  const out: D1PreparedStatement[] = [];
  const pack = new Packer((rows) => out.push(d1.prepare(INSERT_CALLS_JSON).bind(rows)));
  for (const r of records) {
    const textBytes = Math.min(CALL_TEXT_MAX_BYTES, Math.max(CALL_TEXT_MIN_BYTES, Math.floor(CALL_TEXTS_BYTES / Math.max(1, r.calls.length))));
    for (const c of r.calls) {
      const row = callRow(r.id, c, textBytes);
      if (pack.add(rowJson(valuesOf(callColumns, row), callJsonAt))) continue;
      // Its pieces are appended to the route's newest call: nothing of this route may be inserted between.
      pack.flush();
      const { inline, appends } = splitTexts({ response: row.response }, MAX_CHUNK_BYTES - bytesOf(Object.values({ ...row, response: null })));
      out.push(d1.prepare(INSERT_CALL).bind(...valuesOf(callColumns, { ...row, response: inline.response })));
      for (const { piece } of appends) out.push(d1.prepare(APPEND_LAST_CALL_RESPONSE).bind(piece, r.id));
    }
  }
  pack.flush();
  return out;
}

/** Rows gathered for one statement as a JSON array, within MAX_CHUNK_BYTES in all. */
class Packer {
  private rows: string[] = [];
  private bytes = 2;

  constructor(private readonly write: (rowsJson: string) => void) {}

  /** Takes a row (its JSON array) small enough to share a statement (false: it goes alone). */
  add(json: string): boolean {
    const bytes = utf8Bytes(json) + 1;
    if (bytes > MAX_CHUNK_BYTES / 4) return false;
    if (this.bytes + bytes > MAX_CHUNK_BYTES) this.flush();
    this.rows.push(json);
    this.bytes += bytes;
    return true;
  }

  flush(): void {
    if (this.rows.length) this.write(`[${this.rows.join(',')}]`);
    this.rows = [];
    this.bytes = 2;
  }
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
  } satisfies Omit<Row<typeof routeCalls>, 'id'>;
}

/**
 * Each text's first piece (as much as the shared `inlineBytes` still holds, possibly empty) and the
 * rest as appends of at most MAX_CHUNK_BYTES each. Nulls stay null.
 */
function splitTexts<K extends string>(
  texts: Record<K, string | null>,
  inlineBytes: number,
): { inline: Record<K, string | null>; appends: { column: K; piece: string }[] } {
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
