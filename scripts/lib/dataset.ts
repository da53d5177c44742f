import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';

// Loader for the MMLU-Pro routing data (data/mmlu-pro-routing/README.md), shared by the evaluation,
// training and the replay-store build. Node only: the Worker never reads the gzip itself.

const outcomeSchema = z.object({ pred: z.string().nullable(), correct: z.boolean(), text: z.string() });

export const routingExampleSchema = z.object({
  id: z.string(),
  prompt: z.string(),
  question: z.string(),
  options: z.array(z.string()),
  answer: z.string(),
  category: z.string(),
  source: z.string(),
  outcomes: z.record(z.string(), outcomeSchema),
});

export type RoutingExample = z.infer<typeof routingExampleSchema>;
export type RecordedOutcome = z.infer<typeof outcomeSchema>;

const modelsSchema = z.object({
  models: z.array(z.object({ name: z.string(), model_id: z.string(), input_per_mtok: z.number(), output_per_mtok: z.number() })),
});

export interface ModelInfo {
  name: string;
  modelId: string;
  inputPricePerMTok: number;
  outputPricePerMTok: number;
}

export const DEFAULT_DATA = 'data/mmlu-pro-routing/dev.jsonl.gz';
export const DEFAULT_MODELS = 'data/mmlu-pro-routing/models.json';

/** Reads a `.jsonl.gz` (or plain `.jsonl`) split; a bad line is an error naming the file and line. */
export function loadExamples(path: string): RoutingExample[] {
  const raw = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  const out: RoutingExample[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const parsed = routingExampleSchema.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`${path}:${i + 1}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
    out.push(parsed.data);
  });
  return out;
}

export function loadModels(path = DEFAULT_MODELS): ModelInfo[] {
  const parsed = modelsSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  return parsed.models.map((m) => ({ name: m.name, modelId: m.model_id, inputPricePerMTok: m.input_per_mtok, outputPricePerMTok: m.output_per_mtok }));
}
