/**
 * A value kept per isolate so the request path reads no D1 in steady state: loaded on first use,
 * then served as is while younger than the TTL; once older, still served while one refresh runs
 * in the background (handed to `background`, i.e. waitUntil). Without `background`, or with a TTL
 * of 0 (tests), a stale value is reloaded before it is served. A failed load is never cached.
 */
export class IsolateCache<T> {
  private value: { at: number; data: T } | null = null;
  private loading: Promise<T> | null = null;
  private generation = 0;

  constructor(private readonly load: () => Promise<T>) {}

  get(ttlMs: number, background?: (p: Promise<unknown>) => void, now = Date.now()): Promise<T> {
    const cached = this.value;
    if (cached && now - cached.at < ttlMs) return Promise.resolve(cached.data);
    const refresh = this.refresh(now);
    if (cached && background && ttlMs > 0) {
      background(refresh.catch((e: unknown) => console.warn(JSON.stringify({ event: 'cache_refresh_failed', error: String(e) }))));
      return Promise.resolve(cached.data);
    }
    return refresh;
  }

  /** Forgets the value (this isolate changed what it was loaded from); the next use loads anew. */
  invalidate(): void {
    this.value = null;
    this.loading = null;
    this.generation++;
  }

  private refresh(now: number): Promise<T> {
    if (this.loading) return this.loading;
    const generation = this.generation;
    const loading = this.load().then((data) => {
      // A load that began before an invalidation must not overwrite what came after it.
      if (generation === this.generation) this.value = { at: now, data };
      return data;
    });
    this.loading = loading;
    const clear = () => {
      if (this.loading === loading) this.loading = null;
    };
    loading.then(clear, clear);
    return loading;
  }
}
