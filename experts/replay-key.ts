import { sha256Hex } from '../router/hex';

// Replay answers are looked up by the exact prompt after whitespace normalisation. The key and the
// asset it lives in are computed the same way by the build script (scripts/build-replay.ts) and
// the Worker, so both import this file.

export function normalisePrompt(prompt: string): string {
  return prompt.replace(/\s+/g, ' ').trim();
}

/** Hex SHA-256 of the normalised prompt (Web Crypto: the same in workerd and Node). */
export async function replayKey(prompt: string): Promise<string> {
  return sha256Hex(normalisePrompt(prompt));
}

/**
 * One small asset per recorded prompt, so a lookup reads and parses only that prompt's answers.
 * (Shards of a few hundred prompts cost a ~300 KB parse per lookup once requests spread over them,
 * which is what exhausted the isolate's memory under load.)
 */
export function replayEntryPath(key: string): string {
  return `replay/${key}.json`;
}

/** Written beside the entries: tells "prompt not recorded" apart from "assets not built". */
export const REPLAY_MANIFEST_PATH = 'replay/manifest.json';

/** One recorded prompt: its question id and each model's answer text. */
export interface ReplayEntry {
  id: string;
  answers: Record<string, string>;
}

export interface ReplayManifest {
  prompts: number;
}
