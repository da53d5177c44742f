import WebSocket from 'ws';

// A Chrome DevTools Protocol client for the inspector `wrangler dev` exposes (--inspector-port):
// the benchmarks read the Worker's JS heap and take CPU profiles of it in the real runtime.

export interface Inspector {
  send<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  close(): void;
}

interface Target {
  webSocketDebuggerUrl?: string;
  title?: string;
}

/** Connects to the first inspectable target (the Worker's isolate) behind an inspector port. */
export async function connectInspector(port: number): Promise<Inspector> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as Target[];
  const target = targets.find((t) => t.webSocketDebuggerUrl);
  if (!target) throw new Error(`no inspectable target on inspector port ${port} (${targets.length} listed)`);
  const ws = new WebSocket(target.webSocketDebuggerUrl!);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let next = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; method: string }>();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    const p = msg.id === undefined ? undefined : pending.get(msg.id);
    if (!p) return; // an event: nothing here subscribes to them
    pending.delete(msg.id!);
    if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
    else p.resolve(msg.result);
  });
  ws.on('close', () => {
    for (const p of pending.values()) p.reject(new Error(`${p.method}: the inspector closed the connection`));
    pending.clear();
  });
  return {
    send<T>(method: string, params: Record<string, unknown> = {}) {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, method });
        ws.send(JSON.stringify({ id, method, params }));
      });
    },
    close: () => ws.close(),
  };
}

/**
 * The isolate's JS heap in bytes, garbage not yet collected included: workerd's inspector leaves
 * HeapProfiler.collectGarbage unanswered, so a trend over many samples is what tells retention.
 */
export async function heapBytes(inspector: Inspector): Promise<{ used: number; total: number }> {
  const { usedSize, totalSize } = await inspector.send<{ usedSize: number; totalSize: number }>('Runtime.getHeapUsage');
  return { used: usedSize, total: totalSize };
}
