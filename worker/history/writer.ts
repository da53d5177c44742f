import { createDb } from '../db/client';
import { insertRouteRecord } from '../db/history';
import type { RouteRecord } from './record';

export interface WriteOptions {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Fraction of write attempts made to fail on purpose (chaos testing); 0 in production. */
  chaosFailureRate?: number;
  write?: (record: RouteRecord) => Promise<void>;
}

/**
 * Writes a route off the request's critical path (the caller hands the promise to waitUntil).
 * The write is idempotent, so failed attempts are retried with exponential backoff and jitter; a
 * record that still cannot be written is logged whole as one structured line, never dropped silently.
 */
export async function writeRouteRecord(d1: D1Database, record: RouteRecord, opts: WriteOptions = {}): Promise<boolean> {
  const attempts = opts.attempts ?? 8;
  const base = opts.baseDelayMs ?? 25;
  const cap = opts.maxDelayMs ?? 2_000;
  const chaos = opts.chaosFailureRate ?? 0;
  const write = opts.write ?? ((r: RouteRecord) => insertRouteRecord(createDb(d1), r));
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      if (chaos > 0 && Math.random() < chaos) throw new Error('injected D1 write failure');
      await write(record);
      return true;
    } catch (e) {
      lastError = e;
      console.warn(JSON.stringify({ event: 'route_write_retry', routeId: record.id, attempt: i + 1, error: String(e) }));
      if (i + 1 < attempts) await new Promise((r) => setTimeout(r, Math.min(cap, base * 2 ** i) * (0.5 + Math.random() / 2)));
    }
  }
  console.error(JSON.stringify({ event: 'route_write_failed', routeId: record.id, error: String(lastError), record }));
  return false;
}
