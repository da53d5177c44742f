// The rate-limit headers OpenAI's API sends, so clients that already read them back off on ours too:
// the key's requests-per-minute limit, what is left of it, and when a slot frees ("12s").

export function rateLimitHeaders(w: { limit: number; remaining: number; resetMs: number }): Record<string, string> {
  return {
    'x-ratelimit-limit-requests': String(w.limit),
    'x-ratelimit-remaining-requests': String(w.remaining),
    'x-ratelimit-reset-requests': `${Math.max(0, Math.ceil(w.resetMs / 1000))}s`,
  };
}
