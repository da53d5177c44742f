import { z } from 'zod';

// What the /v1 endpoints answer, as zod schemas: the source of the TypeScript types the handlers
// build (RoutingSummary) and of /openapi.json; tests parse real responses with them.

const num = z.number();

export const routingSummarySchema = z
  .object({
    route_id: z.string(),
    policy: z.string().describe('The routing policy that decided (the request’s model when it named one)'),
    strategy: z.string(),
    aggregation: z.string(),
    experts: z.array(
      z.object({
        id: z.string(),
        score: num,
        detail: z.record(z.string(), z.union([num, z.string()])).optional(),
        status: z.string().describe('ok, error, timeout, cancelled, over_budget or not_called'),
        latency_ms: num.nullable(),
        prompt_tokens: num,
        completion_tokens: num,
        cost_usd: num,
        error: z.string().optional(),
      }),
    ),
    calls: z.array(
      z.object({
        expert: z.string(),
        role: z.string().describe('expert, aggregator, judge or extractor'),
        stage: num,
        status: z.string(),
        latency_ms: num,
        prompt_tokens: num,
        completion_tokens: num,
        cost_usd: num,
        finish_reason: z.string().optional(),
        dropped_params: z.array(z.string()).optional().describe('Request fields the expert’s protocol has no place for, so they were not sent to it'),
        error: z.string().optional(),
        error_source: z.string().optional(),
      }),
    ),
    winner: z.string().optional(),
    tally: z.record(z.string(), num).optional(),
    aggregation_detail: z.record(z.string(), z.unknown()).optional(),
    total_cost_usd: num,
    latency_ms: num,
    gateway_ms: num.describe('The gateway’s own share of latency_ms: the time no expert call was in flight'),
    ttft_ms: num.optional(),
    cache: z.enum(['hit', 'miss']).optional().describe('Whether the answer came from the exact-match response cache'),
  })
  .describe('How the request was routed, what each call did and what it cost');

const toolCall = z.object({ id: z.string(), type: z.literal('function'), function: z.object({ name: z.string(), arguments: z.string() }) });
const toolCallDelta = z.object({
  index: num,
  id: z.string().optional(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string().optional(), arguments: z.string().optional() }).optional(),
});
const finishReason = z.enum(['stop', 'length', 'tool_calls', 'content_filter']);
const usage = z.object({ prompt_tokens: num, completion_tokens: num, total_tokens: num }).describe('Every call made for the request, aggregators included');

export const chatCompletionSchema = z.object({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: num,
  model: z.string().describe('The expert whose answer this is (the policy is in routing.policy)'),
  choices: z.array(
    z.object({
      index: num,
      message: z.object({ role: z.literal('assistant'), content: z.string().nullable(), tool_calls: z.array(toolCall).optional(), refusal: z.null() }),
      finish_reason: finishReason,
      logprobs: z.null(),
    }),
  ),
  usage,
  routing: routingSummarySchema,
});

export const chatCompletionChunkSchema = z.object({
  id: z.string(),
  object: z.literal('chat.completion.chunk'),
  created: num,
  model: z.string(),
  choices: z.array(
    z.object({
      index: num,
      delta: z.object({ role: z.literal('assistant').optional(), content: z.string().nullable().optional(), tool_calls: z.array(toolCallDelta).optional() }),
      finish_reason: finishReason.nullable(),
    }),
  ),
  usage: usage.optional(),
  routing: routingSummarySchema.optional().describe('On the last chunk'),
});

export const modelSchema = z.object({
  id: z.string(),
  object: z.literal('model'),
  created: num,
  owned_by: z.string().describe('conclave for a policy, the provider kind for an expert'),
  kind: z.enum(['policy', 'expert']),
  task: z.enum(['chat', 'embedding']).optional(),
  capabilities: z.array(z.string()).optional(),
  pricing: z.object({ input_per_mtok: num, output_per_mtok: num }).optional(),
});

export const modelListSchema = z.object({ object: z.literal('list'), data: z.array(modelSchema) });

export const embeddingsResponseSchema = z.object({
  object: z.literal('list'),
  data: z.array(
    z.object({ object: z.literal('embedding'), index: num, embedding: z.union([z.array(num), z.string().describe('base64 little-endian float32')]) }),
  ),
  model: z.string(),
  usage: z.object({ prompt_tokens: num, total_tokens: num }),
});

export const errorSchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    code: z.string(),
    param: z.string().nullable(),
    source: z.enum(['client', 'gateway', 'expert']).describe('Who failed'),
    experts: z.array(z.object({ expert: z.string(), error: z.string() }).loose()).optional(),
  }),
});
