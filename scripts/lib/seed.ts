import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModels, type ModelInfo } from './dataset';

// SQL that seeds a fresh D1: the 29 replay experts with their list prices and the shipped trained
// router artifacts. INSERT OR IGNORE keeps whatever an operator changed since.

export const ARTIFACTS_DIR = 'data/artifacts';

export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function replayExpertsSql(models: ModelInfo[] = loadModels()): string[] {
  return models.map(
    (m) =>
      `INSERT OR IGNORE INTO experts (id, provider, model, input_price_per_mtok, output_price_per_mtok, skills, tags, enabled, description) VALUES (` +
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
      ].join(', ') +
      ');',
  );
}

/** Each `data/artifacts/<name>.json` becomes version 1 of artifact <name> unless one exists. */
export function artifactsSql(dir = ARTIFACTS_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -'.json'.length);
      const json = readFileSync(join(dir, f), 'utf8');
      return `INSERT OR IGNORE INTO router_artifacts (name, version, json) SELECT ${sqlString(name)}, 1, ${sqlString(json)} WHERE NOT EXISTS (SELECT 1 FROM router_artifacts WHERE name = ${sqlString(name)});`;
    });
}

export const GPU_EXPERT_ID = 'gpu-olmoe-demo';

/** The local GPU service as an `hf` expert with its endpointUrl; the URL is refreshed on every start. */
export function gpuExpertSql(url: string): string {
  return (
    `INSERT INTO experts (id, provider, model, endpoint_url, input_price_per_mtok, output_price_per_mtok, skills, tags, enabled, description) VALUES (` +
    `${sqlString(GPU_EXPERT_ID)}, 'hf', ${sqlString(GPU_EXPERT_ID)}, ${sqlString(url)}, 0, 0, '[]', ${sqlString(JSON.stringify(['gpu-service', 'random-weights']))}, 1, ` +
    `${sqlString('Conclave GPU service on the demo OLMoE checkpoint (random weights: answers are gibberish)')}) ` +
    `ON CONFLICT(id) DO UPDATE SET endpoint_url = excluded.endpoint_url;`
  );
}
