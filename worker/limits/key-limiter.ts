import { DurableObject } from 'cloudflare:workers';

/** A key's requests-per-minute decision, with what the `x-ratelimit-*` headers tell the client. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** Requests left in the window after this one. */
  remaining: number;
  /** Until the oldest request in the window leaves it (a slot frees). */
  resetMs: number;
  retryAfterMs: number;
}

/**
 * One instance per API key (idFromName(keyId)): a sliding 60-second window of request times.
 * A Durable Object is single-threaded and global, so the count is exact across isolates.
 */
export class RateLimiter extends DurableObject {
  private hits: number[] = [];

  /** Counts a request if under `limit` per minute; otherwise says how long until a slot frees. */
  async hit(limit: number, now = Date.now()): Promise<RateDecision> {
    const windowStart = now - 60_000;
    let drop = 0;
    while (drop < this.hits.length && this.hits[drop]! <= windowStart) drop++;
    if (drop) this.hits.splice(0, drop);
    if (this.hits.length >= limit) {
      const wait = this.hits[0]! + 60_000 - now;
      return { allowed: false, limit, remaining: 0, resetMs: wait, retryAfterMs: wait };
    }
    this.hits.push(now);
    return { allowed: true, limit, remaining: limit - this.hits.length, resetMs: this.hits[0]! + 60_000 - now, retryAfterMs: 0 };
  }
}
