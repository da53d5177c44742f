import type { RouteRecord } from './record';
import { writeRouteRecords, type WriteOptions } from './writer';

/**
 * Route records wait in the isolate so that requests close in time share one D1 batch (one round
 * trip, one transaction) instead of one write each: a batch closes once no route has joined it for
 * a window, once it is full, or at the latest MAX_BATCH_DELAY_MS after it opened. A steady stream
 * of requests, even one at a time, so shares batches; a lone request is written a window after its
 * answer. The request that opens a batch owns its flush and hands it to waitUntil, which keeps the
 * isolate alive until the batch is written; requests that join an open batch are covered by that.
 * No promise crosses requests.
 */
export const BATCH_WINDOW_MS = 10;
/** The longest a route waits for others to join its batch. */
export const MAX_BATCH_DELAY_MS = 100;
/** Routes per batch: each is a few statements, and a D1 batch is best kept to a few hundred. */
export const MAX_BATCH_ROUTES = 25;

interface OpenBatch {
  records: RouteRecord[];
  written: Promise<void>;
  /** When the last route joined (ms, Date.now()). */
  joinedAt: number;
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
    open.joinedAt = Date.now();
    pending.set(record.id, open.written);
    return;
  }
  const records = [record];
  const openedAt = Date.now();
  const written = (async () => {
    await closed(records, openedAt);
    if (open?.records === records) open = null;
    try {
      await writeRouteRecords(d1, records, opts);
    } finally {
      for (const r of records) pending.delete(r.id);
    }
  })();
  open = { records, written, joinedAt: openedAt };
  pending.set(record.id, written);
  waitUntil(written);
}

/** Whether a batch is to be written now: full, quiet for a window, or open for the longest delay. */
export function batchClosed(batch: { size: number; openedAt: number; joinedAt: number }, now: number): boolean {
  return batch.size >= MAX_BATCH_ROUTES || now - batch.joinedAt >= BATCH_WINDOW_MS || now - batch.openedAt >= MAX_BATCH_DELAY_MS;
}

/** Resolves when the batch holding `records` should be written (or another has replaced it). */
async function closed(records: RouteRecord[], openedAt: number): Promise<void> {
  for (;;) {
    await new Promise((r) => setTimeout(r, BATCH_WINDOW_MS));
    const batch = open?.records === records ? open : null;
    if (!batch || batchClosed({ size: records.length, openedAt, joinedAt: batch.joinedAt }, Date.now())) return;
  }
}
