import { createDb } from '../db/client';
import { insertRouteRecord } from '../db/history';
import type { RouteRecord } from './record';

export interface WriteOptions {
  attempts?: number;
  baseDelayMs?: number;
  /** Injected in tests to simulate D1 failures. */
  write?: (record: RouteRecord) => Promise<void>;
}

/**
 * Writes a route off the request's critical path (the caller hands the promise to waitUntil).
 * Failed writes are retried with exponential backoff and jitter; a record that still cannot be
 * written is logged whole as a structured line, so it is never silently dropped.
 */
export async function writeRouteRecord(d1: D1Database, record: RouteRecord, opts: WriteOptions = {}): Promise<boolean> {
  const attempts = opts.attempts ?? 5;
  const base = opts.baseDelayMs ?? 50;
  const write = opts.write ?? ((r: RouteRecord) => insertRouteRecord(createDb(d1), r));
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      await write(record);
      return true;
    } catch (e) {
      lastError = e;
      console.warn(JSON.stringify({ event: 'route_write_retry', routeId: record.id, attempt: i + 1, error: String(e) }));
      if (i + 1 < attempts) await sleep(base * 2 ** i * (0.5 + Math.random()));
    }
  }
  console.error(JSON.stringify({ event: 'route_write_failed', routeId: record.id, error: String(lastError), record }));
  return false;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
