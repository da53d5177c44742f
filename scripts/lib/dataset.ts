import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { modelsFileSchema, routingExampleSchema, type RoutingExample } from '../../router/data-format';

// Loader for routing data in the format of router/data-format.ts (README: "Your own data"), shared by the evaluation,
// training and the replay-store build. Node only: the Worker never reads the gzip itself.

export { routingExampleSchema, type RecordedOutcome, type RoutingExample } from '../../router/data-format';

export interface ModelInfo {
  name: string;
  modelId: string;
  inputPricePerMTok: number;
  outputPricePerMTok: number;
}

export const DEFAULT_DATA = 'data/mmlu-pro-routing/dev.jsonl.gz';
export const DEFAULT_MODELS = 'data/mmlu-pro-routing/models.json';

/** A data or models file that cannot be read as documented: the message names the file (and line). */
export class DataFileError extends Error {}

/** Reads a `.jsonl.gz` (or plain `.jsonl`) split, its first `limit` lines when given; a bad line is an error naming the file and line. */
export function loadExamples(path: string, limit?: number): RoutingExample[] {
  const text = readText(path, path.endsWith('.gz')).replace(/^\uFEFF/, '');
  const out: RoutingExample[] = [];
  text.split('\n', limit).forEach((line, i) => {
    if (!line.trim()) return;
    const parsed = routingExampleSchema.safeParse(parseJson(line, `${path}:${i + 1}`));
    if (!parsed.success) throw new DataFileError(`${path}:${i + 1}: ${firstIssue(parsed.error)}`);
    out.push(parsed.data);
  });
  return out;
}

export function loadModels(path = DEFAULT_MODELS): ModelInfo[] {
  const parsed = modelsFileSchema.safeParse(parseJson(readText(path, false).replace(/^\uFEFF/, ''), path));
  if (!parsed.success) throw new DataFileError(`${path}: ${firstIssue(parsed.error)}`);
  return parsed.data.models.map((m) => ({ name: m.name, modelId: m.model_id, inputPricePerMTok: m.input_per_mtok, outputPricePerMTok: m.output_per_mtok }));
}

function readText(path: string, gzip: boolean): string {
  try {
    const raw = readFileSync(path);
    return (gzip ? gunzipSync(raw) : raw).toString('utf8');
  } catch (e) {
    throw new DataFileError(`${path}: ${(e as Error).message}`);
  }
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DataFileError(`${where}: not JSON: ${(e as Error).message}`);
  }
}

function firstIssue(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.map(String).join('.')}: ${issue.message}` : 'invalid';
}

/** Models the examples recorded that the price file lacks (their calls would silently count as free). */
export function unpricedModels(models: readonly ModelInfo[], examples: readonly RoutingExample[]): string[] {
  const priced = new Set(models.map((m) => m.name));
  const missing = new Set<string>();
  for (const x of examples) for (const name of Object.keys(x.outcomes)) if (!priced.has(name)) missing.add(name);
  return [...missing];
}

/** The refusal for unpriced models, naming the first few. */
export function unpricedMessage(modelsPath: string, missing: readonly string[]): string {
  return `${modelsPath} has no price for ${missing.length} model(s) the data recorded: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''} (pass --models with the data's models file)`;
}
