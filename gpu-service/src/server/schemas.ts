// Request bodies of the OpenAI-compatible API (the subset served: one choice, text content). Every
// object is strict: a field the service would ignore (tools, logprobs, penalties, response_format,
// a message's name, …) is refused with a 400 naming it, as the gateway does, never silently dropped.
import { z } from 'zod';

const textPart = z
  .object({
    type: z.literal('text', { error: (i) => `only text parts are served ({"type": "text", "text": …}), not '${String(i.input)}'` }),
    text: z.string(),
  })
  .strict();

export const messageSchema = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
    content: z.union([z.string(), z.array(textPart)]).nullish(),
  })
  .strict()
  // Only an assistant turn may come without content (a client's echo of a turn that called tools, as
  // the gateway allows); any other would be served as an empty turn, hiding the client's mistake.
  .superRefine((m, ctx) => {
    if (m.content == null && m.role !== 'assistant')
      ctx.addIssue({ code: 'custom', path: ['content'], message: `a ${m.role} message needs content (null is an assistant turn's only)` });
  });

const sampling = {
  // Any model name is accepted: clients such as @huggingface/inference send their endpoint URL here.
  model: z.string().optional(),
  max_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(4)]).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).strict().nullish(),
  n: z.literal(1).nullish(),
};

export const chatRequestSchema = z
  .object({
    ...sampling,
    messages: z.array(messageSchema).min(1),
    max_completion_tokens: z.number().int().min(1).nullish(),
  })
  .strict();

export const completionRequestSchema = z
  .object({
    ...sampling,
    prompt: z.union([
      z.string(),
      z.array(z.string()).length(1, 'one prompt per request: an array of strings must hold exactly one'),
      z.array(z.number().int().nonnegative()).min(1),
    ]),
  })
  .strict();

export const traceRequestSchema = z
  .object({
    model: z.string().optional(),
    prompt: z.string().optional(),
    messages: z.array(messageSchema).min(1).optional(),
    input_ids: z.array(z.number().int().nonnegative()).min(1).optional(),
  })
  .strict()
  .refine((b) => [b.prompt, b.messages, b.input_ids].filter((v) => v !== undefined).length === 1, {
    message: 'exactly one of prompt, messages, input_ids is required',
  });

export type ChatRequest = z.infer<typeof chatRequestSchema>;
export type CompletionRequest = z.infer<typeof completionRequestSchema>;
export type TraceRequest = z.infer<typeof traceRequestSchema>;
export type Message = z.infer<typeof messageSchema>;
