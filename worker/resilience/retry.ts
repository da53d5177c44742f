import { ExpertCallError } from '../../router/errors';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 2_000 };

/**
 * Delay before the next attempt after `error`, or null to give up: only retryable failures are
 * retried; Retry-After is honoured, and a Retry-After longer than the policy allows is not waited
 * for (the caller falls back to another expert instead of holding the request).
 */
export function retryDelay(error: unknown, attempt: number, policy: RetryPolicy, random = Math.random): number | null {
  if (!(error instanceof ExpertCallError) || !error.retryable || attempt >= policy.attempts) return null;
  if (error.retryAfterMs !== null) return error.retryAfterMs <= policy.maxDelayMs ? error.retryAfterMs : null;
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  // Full jitter: spreads retries of many clients over the whole interval.
  return Math.round(exp * (0.5 + random() / 2));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
