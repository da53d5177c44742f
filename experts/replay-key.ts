// Replay answers are looked up by the exact prompt after whitespace normalisation. The key and the
// shard it lives in are computed the same way by the build script (scripts/build-replay.ts) and
// the Worker, so both import this file.

export function normalisePrompt(prompt: string): string {
  return prompt.replace(/\s+/g, ' ').trim();
}

/** Hex SHA-256 of the normalised prompt (Web Crypto: the same in workerd and Node). */
export async function replayKey(prompt: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(normalisePrompt(prompt)));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** 256 shards of ~300 KB each keep a lookup to one small asset fetch. */
export function replayShard(key: string): string {
  return key.slice(0, 2);
}

/** A shard file: prompt key → recorded question id and each model's answer text. */
export type ReplayShard = Record<string, { id: string; answers: Record<string, string> }>;
