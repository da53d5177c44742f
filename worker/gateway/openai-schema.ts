import { z } from 'zod';
import type { ExpertParams } from '../../router/params';
import { routingOverrideSchema } from '../../router/policy';
import type { ChatMessage } from '../../router/types';

/** Limits that keep one request from exhausting the isolate. */
export const MAX_MESSAGES = 256;
export const MAX_MESSAGE_CHARS = 200_000;

const textPart = z.object({ type: z.literal('text'), text: z.string().max(MAX_MESSAGE_CHARS) }).strict();
const imagePart = z
  .object({
    type: z.literal('image_url'),
    image_url: z
      .object({
        url: z
          .string()
          .min(1)
          .max(MAX_MESSAGE_CHARS * 4),
        detail: z.enum(['auto', 'low', 'high']).optional(),
      })
      .strict(),
  })
  .strict();
const toolCall = z
  .object({
    id: z.string().min(1).max(256),
    type: z.literal('function'),
    function: z.object({ name: z.string().min(1).max(128), arguments: z.string().max(MAX_MESSAGE_CHARS) }).strict(),
  })
  .strict();

const text = z.union([z.string().max(MAX_MESSAGE_CHARS), z.array(textPart).min(1).max(64)]);
const message = z.discriminatedUnion('role', [
  z.object({ role: z.enum(['system', 'developer']), content: text, name: z.string().max(64).optional() }).strict(),
  z
    .object({
      role: z.literal('user'),
      content: z.union([
        z.string().max(MAX_MESSAGE_CHARS),
        z
          .array(z.union([textPart, imagePart]))
          .min(1)
          .max(64),
      ]),
      name: z.string().max(64).optional(),
    })
    .strict(),
  z
    .object({
      role: z.literal('assistant'),
      content: text.nullish(),
      name: z.string().max(64).optional(),
      tool_calls: z.array(toolCall).max(128).optional(),
      refusal: z.string().nullish(),
    })
    .strict()
    .refine((m) => m.content != null || m.tool_calls?.length, { message: 'an assistant message needs content or tool_calls', path: ['content'] }),
  z.object({ role: z.literal('tool'), content: text, tool_call_id: z.string().min(1).max(256) }).strict(),
]);

const tool = z
  .object({
    type: z.literal('function'),
    function: z
      .object({
        name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only, at most 64'),
        description: z.string().max(4_096).optional(),
        parameters: z.record(z.string(), z.unknown()).optional(),
        strict: z.boolean().nullish(),
      })
      .strict(),
  })
  .strict();

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1).max(64) }).strict() }).strict(),
]);

const responseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }).strict(),
  z.object({ type: z.literal('json_object') }).strict(),
  z
    .object({
      type: z.literal('json_schema'),
      json_schema: z
        .object({
          name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
          description: z.string().max(4_096).optional(),
          schema: z.record(z.string(), z.unknown()).optional(),
          strict: z.boolean().nullish(),
        })
        .strict(),
    })
    .strict(),
]);

/**
 * OpenAI chat-completions request. Every field is either forwarded to the answering expert (by
 * what its protocol has), used by the gateway, or refused: fields this gateway cannot honour are
 * absent, so they fail naming the field rather than being dropped silently.
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
    n: z.number().int().min(1).max(16).nullish(),
    seed: z.number().int().nullish(),
    user: z.string().max(256).nullish(),
    frequency_penalty: z.number().min(-2).max(2).nullish(),
    presence_penalty: z.number().min(-2).max(2).nullish(),
    logit_bias: z.record(z.string().regex(/^\d+$/, 'token ids'), z.number().min(-100).max(100)).nullish(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
    tools: z.array(tool).max(128).nullish(),
    tool_choice: toolChoice.nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    response_format: responseFormat.nullish(),
    reasoning_effort: z.enum(['minimal', 'low', 'medium', 'high']).nullish(),
    metadata: z.record(z.string(), z.string()).nullish(),
    routing: routingOverrideSchema.optional(),
  })
  .strict()
  // OpenAI refuses it too: options for a stream that will not happen are a client's mistake.
  .refine((b) => b.stream_options == null || b.stream === true, { path: ['stream_options'], message: 'only allowed when stream is true' });

export type ChatRequest = z.infer<typeof chatRequestSchema>;

/** Maps `developer` to `system` (the roles every expert understands); keeps images, tool calls and results. */
export function normaliseMessages(req: ChatRequest): ChatMessage[] {
  return req.messages.map((m): ChatMessage => {
    const parts = Array.isArray(m.content) ? m.content : null;
    const content = typeof m.content === 'string' ? m.content : (parts ?? []).map((p) => (p.type === 'text' ? p.text : '')).join('');
    const withImages = parts?.some((p) => p.type === 'image_url') ? { parts } : {};
    switch (m.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content };
      case 'user':
        return { role: 'user', content, ...withImages };
      case 'assistant':
        return { role: 'assistant', content, ...(m.tool_calls?.length ? { toolCalls: m.tool_calls } : {}) };
      case 'tool':
        return { role: 'tool', content, toolCallId: m.tool_call_id };
    }
  });
}

/** The fields an answering expert receives as the client sent them (absent and null ones left out). */
export function expertParamsOf(req: ChatRequest): ExpertParams | undefined {
  const params: ExpertParams = {
    ...(req.max_completion_tokens != null ? { max_completion_tokens: req.max_completion_tokens } : {}),
    ...(req.stop != null ? { stop: typeof req.stop === 'string' ? [req.stop] : req.stop } : {}),
    ...(req.seed != null ? { seed: req.seed } : {}),
    ...(req.top_p != null ? { top_p: req.top_p } : {}),
    ...(req.presence_penalty != null ? { presence_penalty: req.presence_penalty } : {}),
    ...(req.frequency_penalty != null ? { frequency_penalty: req.frequency_penalty } : {}),
    ...(req.logit_bias != null ? { logit_bias: req.logit_bias } : {}),
    ...(req.user != null ? { user: req.user } : {}),
    ...(req.n != null && req.n > 1 ? { n: req.n } : {}),
    ...(req.tools?.length ? { tools: req.tools.map((t) => ({ type: t.type, function: dropNulls(t.function) })) } : {}),
    ...(req.tool_choice != null ? { tool_choice: req.tool_choice } : {}),
    ...(req.parallel_tool_calls != null ? { parallel_tool_calls: req.parallel_tool_calls } : {}),
    ...(req.response_format != null && req.response_format.type !== 'text' ? { response_format: req.response_format as ExpertParams['response_format'] } : {}),
    ...(req.reasoning_effort != null ? { reasoning_effort: req.reasoning_effort } : {}),
  };
  return Object.keys(params).length ? params : undefined;
}

function dropNulls<T extends Record<string, unknown>>(o: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null)) as never;
}

/** OpenAI embeddings request; `model` names an expert registered with task `embedding`. */
export const embeddingsRequestSchema = z
  .object({
    model: z.string().min(1).max(128),
    input: z.union([z.string().min(1).max(MAX_MESSAGE_CHARS), z.array(z.string().min(1).max(MAX_MESSAGE_CHARS)).min(1).max(2_048)]),
    encoding_format: z.enum(['float', 'base64']).optional(),
    dimensions: z.number().int().min(1).max(65_536).optional(),
    user: z.string().max(256).optional(),
  })
  .strict();

export type EmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;
