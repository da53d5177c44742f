import { DurableObject } from 'cloudflare:workers';

/**
 * One instance per API key (idFromName(keyId)): a sliding 60-second window of request times.
 * A Durable Object is single-threaded and global, so the count is exact across isolates.
 */
export class RateLimiter extends DurableObject {
  private hits: number[] = [];

  /** Counts a request if under `limit` per minute; otherwise says how long until a slot frees. */
  async hit(limit: number, now = Date.now()): Promise<{ allowed: boolean; retryAfterMs: number }> {
    const windowStart = now - 60_000;
    let drop = 0;
    while (drop < this.hits.length && this.hits[drop]! <= windowStart) drop++;
    if (drop) this.hits.splice(0, drop);
    if (this.hits.length >= limit) return { allowed: false, retryAfterMs: this.hits[0]! + 60_000 - now };
    this.hits.push(now);
    return { allowed: true, retryAfterMs: 0 };
  }
}
