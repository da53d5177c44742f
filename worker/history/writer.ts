import { createDb } from '../db/client';
import { insertRouteRecords } from '../db/history-write';
import type { RouteRecord } from './record';

export interface WriteOptions {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Fraction of write attempts made to fail on purpose (chaos testing); 0 in production. */
  chaosFailureRate?: number;
  /** Writes the batch; `rewrite` when an earlier attempt may have been written (its acknowledgement lost). */
  write?: (records: RouteRecord[], rewrite: boolean) => Promise<void>;
}

/**
 * Writes routes off the request's critical path (the caller hands the promise to waitUntil). The
 * write is idempotent, so failed attempts are retried with exponential backoff and jitter; a batch
 * that still fails is written route by route, so one bad record cannot take the others with it,
 * and a record that still cannot be written is logged whole as one structured line, never dropped
 * silently. Resolves to the number of routes written.
 */
export async function writeRouteRecords(d1: D1Database, records: RouteRecord[], opts: WriteOptions = {}, rewrite = false): Promise<number> {
  if (await attemptWrites(d1, records, opts, rewrite)) return records.length;
  if (records.length === 1) {
    console.error(JSON.stringify({ event: 'route_write_failed', routeId: records[0]!.id, record: records[0] }));
    return 0;
  }
  let written = 0;
  // The batch may have been written with every acknowledgement lost: each route rewrites itself.
  for (const record of records) written += await writeRouteRecords(d1, [record], opts, true);
  return written;
}

async function attemptWrites(d1: D1Database, records: RouteRecord[], opts: WriteOptions, rewrite: boolean): Promise<boolean> {
  const attempts = opts.attempts ?? 8;
  const base = opts.baseDelayMs ?? 25;
  const cap = opts.maxDelayMs ?? 2_000;
  const chaos = opts.chaosFailureRate ?? 0;
  const write = opts.write ?? ((r: RouteRecord[], again: boolean) => insertRouteRecords(createDb(d1), r, { rewrite: again }));
  for (let i = 0; i < attempts; i++) {
    try {
      if (chaos > 0 && Math.random() < chaos) throw new Error('injected D1 write failure');
      await write(records, rewrite || i > 0);
      return true;
    } catch (e) {
      console.warn(JSON.stringify({ event: 'route_write_retry', routeIds: records.map((r) => r.id), attempt: i + 1, error: String(e) }));
      if (i + 1 < attempts) await new Promise((r) => setTimeout(r, Math.min(cap, base * 2 ** i) * (0.5 + Math.random() / 2)));
    }
  }
  return false;
}
