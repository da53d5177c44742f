import { D1_MAX_BOUND_PARAMS, D1_MAX_ROW_BYTES, D1_MAX_STATEMENT_BYTES } from '../../worker/db/d1-limits';

// Local workerd's SQLite accepts statements production D1 refuses, so tests run the Worker over
// this wrapper: every statement is checked against D1's published limits before it runs, and a
// statement past them fails the way D1 would fail it.

export interface CheckedD1 {
  db: D1Database;
  /** Statements prepared so far (bound or not). */
  statements: number;
  /** Largest bound-parameter count and statement size seen. */
  maxParams: number;
  maxBytes: number;
}

const bytes = (v: unknown) => (typeof v === 'string' ? new TextEncoder().encode(v).byteLength : v instanceof ArrayBuffer ? v.byteLength : 8);

export function checkedD1(d1: D1Database): CheckedD1 {
  const real = new WeakMap<object, D1PreparedStatement>();
  const stats: CheckedD1 = { db: undefined as unknown as D1Database, statements: 0, maxParams: 0, maxBytes: 0 };
  const check = (sql: string, params: unknown[]) => {
    const size = bytes(sql) + params.reduce<number>((s, p) => s + bytes(p), 0);
    stats.maxParams = Math.max(stats.maxParams, params.length);
    stats.maxBytes = Math.max(stats.maxBytes, size);
    if (params.length > D1_MAX_BOUND_PARAMS) throw new Error(`D1_ERROR: too many SQL variables (${params.length}): ${sql.slice(0, 80)}`);
    if (size > D1_MAX_STATEMENT_BYTES) throw new Error(`D1_ERROR: statement too long (${size} bytes): ${sql.slice(0, 80)}`);
    if (params.some((p) => bytes(p) > D1_MAX_ROW_BYTES)) throw new Error(`D1_ERROR: string or blob too big: SQLITE_TOOBIG`);
  };
  const wrap = (sql: string, stmt: D1PreparedStatement, params: unknown[]): D1PreparedStatement => {
    check(sql, params);
    const w = {
      bind: (...p: unknown[]) => wrap(sql, stmt.bind(...p), p),
      first: (col?: string) => (col === undefined ? stmt.first() : stmt.first(col)),
      run: () => stmt.run(),
      all: () => stmt.all(),
      raw: (opts?: { columnNames?: boolean }) => stmt.raw(opts as { columnNames: true }),
    };
    real.set(w, stmt);
    return w as unknown as D1PreparedStatement;
  };
  stats.db = {
    prepare(sql: string) {
      stats.statements++;
      return wrap(sql, d1.prepare(sql), []);
    },
    batch: (stmts: D1PreparedStatement[]) => d1.batch(stmts.map((s) => real.get(s) ?? s)),
    exec: (query: string) => d1.exec(query),
    dump: () => d1.dump(),
    withSession: (c?: string) => d1.withSession(c),
  } as unknown as D1Database;
  return stats;
}
