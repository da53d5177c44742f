import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SEED_CHUNK_BYTES, splitIntoChunks, utf8Bytes } from '../../worker/db/artifact-chunks';
import { loadModels, type ModelInfo } from './dataset';
import { GPU_API_KEY_SECRET } from './dev-vars';

// SQL that seeds a fresh D1: the 29 replay experts with their list prices and the shipped trained
// router artifacts. INSERT OR IGNORE keeps whatever an operator changed since.

export const ARTIFACTS_DIR = 'data/artifacts';

export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function replayExpertsSql(models: ModelInfo[] = loadModels()): string[] {
  return models.map(
    (m) =>
      `INSERT OR IGNORE INTO experts (id, provider, model, input_price_per_mtok, output_price_per_mtok, skills, tags, enabled, description, demo) VALUES (` +
      [
        sqlString(m.name),
        `'replay'`,
        sqlString(m.name),
        m.inputPricePerMTok,
        m.outputPricePerMTok,
        `'[]'`,
        sqlString(JSON.stringify(['replay', 'mmlu-pro'])),
        1,
        sqlString(`Recorded MMLU-Pro answers of ${m.modelId}`),
        0,
      ].join(', ') +
      ');',
  );
}

/**
 * Each `<dir>/<name>.json` (an ArtifactRecord, as `npm run train` writes them) becomes version 1 of
 * artifact <name> unless one exists (`seed`), or its next version (`next`: retrained artifacts that
 * replace what a running deployment serves).
 */
export function artifactsSql(dir = ARTIFACTS_DIR, mode: 'seed' | 'next' = 'seed'): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => artifactSql(f.slice(0, -'.json'.length), (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { data: unknown }).data, mode));
}

/**
 * One artifact version as SQL: `seed` writes version 1 only when the artifact does not exist yet,
 * `next` adds a version above the newest. The body goes in chunks that each fit a D1 statement and
 * the header row comes last, so a run cut off half-way leaves no header pointing at missing chunks.
 */
export function artifactSql(name: string, data: unknown, mode: 'seed' | 'next'): string[] {
  const n = sqlString(name);
  const json = JSON.stringify(data);
  const chunks = splitIntoChunks(json, SEED_CHUNK_BYTES);
  const version = mode === 'seed' ? '1' : `(SELECT coalesce(max(version), 0) + 1 FROM router_artifacts WHERE name = ${n})`;
  const guard = mode === 'seed' ? ` WHERE NOT EXISTS (SELECT 1 FROM router_artifacts WHERE name = ${n})` : '';
  return [
    ...chunks.map(
      (body, seq) => `INSERT OR REPLACE INTO router_artifact_chunks (name, version, seq, body) SELECT ${n}, ${version}, ${seq}, ${sqlString(body)}${guard};`,
    ),
    `INSERT INTO router_artifacts (name, version, chunks, bytes) SELECT ${n}, ${version}, ${chunks.length}, ${utf8Bytes(json)}${guard};`,
  ];
}

export const GPU_EXPERT_ID = 'gpu-olmoe-demo';

/** The local GPU service as an `hf` expert with its endpointUrl; the URL is refreshed on every start. */
export function gpuExpertSql(url: string): string {
  return (
    `INSERT INTO experts (id, provider, model, endpoint_url, api_key_secret, input_price_per_mtok, output_price_per_mtok, skills, tags, enabled, description, demo) VALUES (` +
    `${sqlString(GPU_EXPERT_ID)}, 'hf', ${sqlString(GPU_EXPERT_ID)}, ${sqlString(url)}, ${sqlString(GPU_API_KEY_SECRET)}, 0, 0, '[]', ${sqlString(JSON.stringify(['gpu-service', 'random-weights']))}, 1, ` +
    `${sqlString('Conclave GPU service on the demo OLMoE checkpoint (random weights: answers are gibberish)')}, 1) ` +
    // demo = 1: random weights must never be chosen by a built-in policy, only when named.
    `ON CONFLICT(id) DO UPDATE SET endpoint_url = excluded.endpoint_url, api_key_secret = excluded.api_key_secret, demo = 1;`
  );
}
