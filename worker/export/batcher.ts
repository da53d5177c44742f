import { sleep } from '../resilience/retry';

// Batches finished route records per isolate and sends them off the request's critical path. The
// request that opens a batch keeps it alive with waitUntil and sends it when the batch is full or
// `maxWaitMs` has passed; requests that join it only add their record. A send that fails is
// retried with backoff; a batch that still fails is logged with its size and dropped, so a sink
// that is down costs neither latency nor memory.

export interface BatchOptions {
  /** Sink name for logs. */
  name: string;
  maxItems: number;
  maxWaitMs: number;
  /** Attempts per batch (first try included). */
  attempts?: number;
  baseDelayMs?: number;
}

type WaitUntil = (promise: Promise<unknown>) => void;

export class Batcher<T> {
  private open: T[] | null = null;
  /** Batches sent whole (for tests and logs). */
  sent = 0;
  dropped = 0;

  constructor(
    private readonly send: (items: T[]) => Promise<void>,
    private readonly opts: BatchOptions,
  ) {}

  add(item: T, waitUntil: WaitUntil): void {
    if (!this.open) {
      const batch: T[] = [];
      this.open = batch;
      waitUntil(sleep(this.opts.maxWaitMs).then(() => this.flush(batch)));
    }
    this.open.push(item);
    if (this.open.length >= this.opts.maxItems) waitUntil(this.flush(this.open));
  }

  /** Sends `batch` once; a later call for the same batch (the timer after a full flush) does nothing. */
  private async flush(batch: T[]): Promise<void> {
    if (this.open === batch) this.open = null;
    const items = batch.splice(0);
    if (items.length === 0) return;
    const attempts = this.opts.attempts ?? 3;
    for (let i = 1; ; i++) {
      try {
        await this.send(items);
        this.sent++;
        return;
      } catch (e) {
        if (i >= attempts) {
          this.dropped += items.length;
          console.error(JSON.stringify({ event: 'export_failed', sink: this.opts.name, records: items.length, error: String(e) }));
          return;
        }
        await sleep((this.opts.baseDelayMs ?? 200) * 2 ** (i - 1));
      }
    }
  }
}
