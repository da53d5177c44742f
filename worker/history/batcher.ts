import type { RouteRecord } from './record';
import { writeRouteRecords, type WriteOptions } from './writer';

/**
 * Route records wait a few milliseconds in the isolate so that concurrent requests share one D1
 * batch (one round trip, one transaction) instead of one write each. The request that opens a
 * batch owns its flush and hands it to waitUntil, which keeps the isolate alive until the batch is
 * written; requests that join an open batch are covered by that. No promise crosses requests.
 */
export const BATCH_WINDOW_MS = 10;
/** Routes per batch: each is a few statements, and a D1 batch is best kept to a few hundred. */
export const MAX_BATCH_ROUTES = 25;

interface OpenBatch {
  records: RouteRecord[];
  written: Promise<void>;
}

let open: OpenBatch | null = null;
/** This isolate's route writes not yet settled, by route id: a lookup of a route answered moments ago waits on them. */
const pending = new Map<string, Promise<unknown>>();

/** The write of a route this isolate has answered but not yet written, if any. */
export function pendingRouteWrite(routeId: string): Promise<unknown> | undefined {
  return pending.get(routeId);
}

export function enqueueRouteRecord(d1: D1Database, record: RouteRecord, waitUntil: (p: Promise<unknown>) => void, opts: WriteOptions = {}): void {
  if (open && open.records.length < MAX_BATCH_ROUTES) {
    open.records.push(record);
    pending.set(record.id, open.written);
    return;
  }
  const records = [record];
  const written = (async () => {
    await new Promise((r) => setTimeout(r, BATCH_WINDOW_MS));
    if (open?.records === records) open = null;
    try {
      await writeRouteRecords(d1, records, opts);
    } finally {
      for (const r of records) pending.delete(r.id);
    }
  })();
  open = { records, written };
  pending.set(record.id, written);
  waitUntil(written);
}
