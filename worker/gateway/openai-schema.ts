import { z } from 'zod';
import { routingOverrideSchema } from '../../router/policy';

/** Limits that keep one request from exhausting the isolate. */
export const MAX_MESSAGES = 256;
export const MAX_MESSAGE_CHARS = 200_000;

const textPart = z.object({ type: z.literal('text'), text: z.string().max(MAX_MESSAGE_CHARS) }).strict();

const message = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant']),
    content: z.union([z.string().max(MAX_MESSAGE_CHARS), z.array(textPart).min(1).max(64)]),
    name: z.string().max(64).optional(),
  })
  .strict();

/**
 * OpenAI chat-completions request. Parameters OpenAI accepts that have no meaning for a router
 * are accepted and ignored where harmless (seed, user, penalties); ones that would silently change
 * behaviour if ignored (tools, n > 1, logprobs) are refused by being absent from the schema.
 */
export const chatRequestSchema = z
  .object({
    model: z.string().min(1).max(128),
    messages: z.array(message).min(1).max(MAX_MESSAGES),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).strict().nullish(),
    max_tokens: z.number().int().min(1).max(1_000_000).nullish(),
    max_completion_tokens: z.number().int().min(1).max(1_000_000).nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    n: z.literal(1).nullish(),
    seed: z.number().int().nullish(),
    user: z.string().max(256).nullish(),
    frequency_penalty: z.number().min(-2).max(2).nullish(),
    presence_penalty: z.number().min(-2).max(2).nullish(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
    metadata: z.record(z.string(), z.string()).nullish(),
    routing: routingOverrideSchema.optional(),
  })
  .strict();

export type ChatRequest = z.infer<typeof chatRequestSchema>;

/** Flattens content parts and maps `developer` to `system`, the roles every expert understands. */
export function normaliseMessages(req: ChatRequest) {
  return req.messages.map((m) => ({
    role: m.role === 'developer' ? ('system' as const) : m.role,
    content: typeof m.content === 'string' ? m.content : m.content.map((p) => p.text).join(''),
  }));
}
