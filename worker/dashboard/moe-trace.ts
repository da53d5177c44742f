import { z } from 'zod';
import type { ReachProblem } from '../../experts';
import type { Env } from '../env';
import { endpointReachProblem } from '../gateway/endpoint-resolver';

// The GPU service's expert-activation trace (gpu-service README, `POST /v1/moe/trace`): for every
// prompt token and every layer, the experts its router chose. The dashboard counts them per layer.

const traceSchema = z.object({
  model: z.string(),
  num_layers: z.number().int().nonnegative(),
  num_experts: z.number().int().positive().max(4096),
  top_k: z.number().int().positive(),
  moe_layers: z.array(z.number().int().nonnegative()),
  tokens: z.array(z.object({ position: z.number(), token: z.string(), experts: z.array(z.array(z.number().int().nonnegative())) })),
});

export interface ActivationCounts {
  model: string;
  tokens: number;
  topK: number;
  numExperts: number;
  /** The MoE layers, in order: the heat map's rows. */
  layers: number[];
  /** layers × experts: how many prompt tokens the layer's router sent to the expert. */
  counts: number[][];
}

export const TRACE_TIMEOUT_MS = 30_000;

/** The trace URL for an expert endpoint given with or without its `/v1` suffix. */
export function traceUrl(endpointUrl: string): string {
  return `${endpointUrl.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1/moe/trace`;
}

export function countActivations(raw: unknown): ActivationCounts {
  const t = traceSchema.parse(raw);
  const counts = t.moe_layers.map(() => new Array<number>(t.num_experts).fill(0));
  for (const token of t.tokens) {
    t.moe_layers.forEach((layer, row) => {
      for (const e of token.experts[layer] ?? []) if (e < t.num_experts) counts[row]![e]!++;
    });
  }
  return { model: t.model, tokens: t.tokens.length, topK: t.top_k, numExperts: t.num_experts, layers: t.moe_layers, counts };
}

/** Asks the service for a prompt's trace; any failure comes back as a sentence for the operator. */
export async function fetchActivations(
  endpointUrl: string,
  apiKeySecret: string | null,
  env: Env,
  prompt: string,
): Promise<ActivationCounts | { error: string }> {
  const url = traceUrl(endpointUrl);
  let reach: ReachProblem | null;
  try {
    reach = await endpointReachProblem({ endpointUrl, apiKeySecret }, env);
  } catch (e) {
    return { error: `This expert's endpoint could not be checked: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (reach) return { error: `This expert's ${reach.field} is refused: ${reach.message}` };
  const key = apiKeySecret && typeof env[apiKeySecret] === 'string' ? (env[apiKeySecret] as string) : null;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ prompt }),
      signal: AbortSignal.timeout(TRACE_TIMEOUT_MS),
    });
  } catch (e) {
    const why = e instanceof Error && e.name === 'TimeoutError' ? `no answer within ${TRACE_TIMEOUT_MS / 1000} s` : e instanceof Error ? e.message : String(e);
    return { error: `The GPU service at ${url} could not be reached (${why}). Is it running?` };
  }
  const text = await res.text();
  if (!res.ok) {
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // not JSON: show the start of the body as it is
    }
    return { error: `The GPU service answered HTTP ${res.status}: ${message}` };
  }
  try {
    return countActivations(JSON.parse(text));
  } catch (e) {
    return { error: `The GPU service's trace was not in the expected format: ${e instanceof Error ? e.message.slice(0, 300) : String(e)}` };
  }
}

export const GPU_SERVICE_TAG = 'gpu-service';

/** An expert served by Conclave's GPU service: tagged so, or at the configured GPU_SERVICE_URL. */
export function isGpuExpert(e: { tags: string[]; endpoint_url: string | null }, env: Env): boolean {
  if (!e.endpoint_url) return false;
  return e.tags.includes(GPU_SERVICE_TAG) || (!!env.GPU_SERVICE_URL && e.endpoint_url.startsWith(env.GPU_SERVICE_URL));
}
