// The HTTP API: OpenAI-compatible chat/completions (JSON and SSE), models, health, Prometheus metrics
// and per-token expert traces. Every failure is answered as an OpenAI error body; none escapes a request.
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import type { z } from 'zod';
import { InternalError, InvalidRequestError, PayloadTooLargeError, ServiceError } from '../errors.js';
import type { FinishReason, GenerationEvent, GenerationRequest } from '../engine/scheduler.js';
import type { ServedModel } from '../service.js';
import { requireApiKey } from './auth.js';
import { explainIssue } from './issues.js';
import { chatPromptIds, checkIds, completionPromptIds, generationRequest, textPromptIds } from './prompt.js';
import { chatRequestSchema, completionRequestSchema, traceRequestSchema } from './schemas.js';

async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    throw new InvalidRequestError('Request body is not valid JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const { issue, path, message } = explainIssue(parsed.error.issues[0]!, json);
    if (issue.code === 'unrecognized_keys') {
      const param = [...path, issue.keys[0]!].join('.');
      throw new InvalidRequestError(`${param} is not supported by this service (it would be ignored); remove it`, param, 'unsupported_parameter');
    }
    const param = path.length ? path.join('.') : null;
    throw new InvalidRequestError(`${param ?? 'body'}: ${message}`, param);
  }
  return parsed.data;
}

function errorResponse(c: Context, e: ServiceError): Response {
  return c.json(e.toBody(), e.status as 400);
}

/** Aborts when the client goes away (or the route decides to give up). */
function clientSignal(c: Context): AbortController {
  const controller = new AbortController();
  const raw = c.req.raw.signal;
  if (raw.aborted) controller.abort();
  else raw.addEventListener('abort', () => controller.abort(), { once: true });
  return controller;
}

interface Collected {
  text: string;
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
  done: Extract<GenerationEvent, { type: 'done' }>;
}

async function collect(events: AsyncIterable<GenerationEvent>): Promise<Collected> {
  let text = '';
  for await (const e of events) {
    if (e.type === 'delta') text += e.text;
    else {
      if (e.error) throw e.error;
      return { text, finishReason: e.finishReason, promptTokens: e.promptTokens, completionTokens: e.completionTokens, done: e };
    }
  }
  throw new InternalError('Generation ended without a result');
}

function usage(promptTokens: number, completionTokens: number) {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

function newId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

type ChunkFormat = (delta: string | null, finishReason: FinishReason | null) => Record<string, unknown>;

/** Streams a generation as SSE `data:` chunks, then usage (when asked) and `[DONE]`. */
function streamGeneration(
  c: Context,
  model: ServedModel,
  req: GenerationRequest,
  controller: AbortController,
  format: ChunkFormat,
  base: Record<string, unknown>,
  includeUsage: boolean,
  first: Record<string, unknown> | null,
): Response {
  const events = model.scheduler.submit(req);
  return streamSSE(c, async (stream) => {
    stream.onAbort(() => controller.abort());
    if (first) await stream.writeSSE({ data: JSON.stringify(first) });
    for await (const e of events) {
      if (e.type === 'delta') {
        await stream.writeSSE({ data: JSON.stringify(format(e.text, null)) });
        continue;
      }
      if (e.error) {
        await stream.writeSSE({ data: JSON.stringify(e.error.toBody()) });
      } else if (e.finishReason !== 'cancelled') {
        await stream.writeSSE({ data: JSON.stringify(format(null, e.finishReason)) });
        if (includeUsage) await stream.writeSSE({ data: JSON.stringify({ ...base, choices: [], usage: usage(e.promptTokens, e.completionTokens) }) });
      }
    }
    await stream.writeSSE({ data: '[DONE]' });
  });
}

export interface AppOptions {
  /** Required as `Authorization: Bearer <key>` on every route but GET /health; none: open (loopback use). */
  apiKey?: string;
}

export function createApp(model: ServedModel, opts: AppOptions = {}): Hono {
  const app = new Hono();

  app.use(async (c, next) => {
    await next();
    model.metrics.countRequest(c.req.routePath, c.res.status);
  });
  if (opts.apiKey) app.use(requireApiKey(opts.apiKey));
  app.onError((err, c) => errorResponse(c, err instanceof ServiceError ? err : new InternalError(err.message)));
  app.notFound((c) => errorResponse(c, new ServiceError(404, 'invalid_request_error', 'not_found', `No route ${c.req.method} ${c.req.path}`)));
  const limit = bodyLimit({
    maxSize: model.limits.maxBodyBytes,
    onError: (c) => errorResponse(c, new PayloadTooLargeError(model.limits.maxBodyBytes)),
  });

  app.post('/v1/chat/completions', limit, async (c) => {
    const body = await parseBody(c, chatRequestSchema);
    const controller = clientSignal(c);
    const req = generationRequest(model, chatPromptIds(model, body.messages), body, controller.signal);
    const base = { id: newId('chatcmpl'), object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: model.id };
    if (body.stream) {
      const format: ChunkFormat = (delta, finish) => ({
        ...base,
        choices: [{ index: 0, delta: delta === null ? {} : { content: delta }, finish_reason: finish, logprobs: null }],
      });
      const first = { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null }] };
      return streamGeneration(c, model, req, controller, format, base, body.stream_options?.include_usage ?? false, first);
    }
    const r = await collect(model.scheduler.submit(req));
    return c.json({
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: r.text }, finish_reason: r.finishReason, logprobs: null }],
      usage: usage(r.promptTokens, r.completionTokens),
    });
  });

  app.post('/v1/completions', limit, async (c) => {
    const body = await parseBody(c, completionRequestSchema);
    const controller = clientSignal(c);
    const req = generationRequest(model, completionPromptIds(model, body.prompt), body, controller.signal);
    const base = { id: newId('cmpl'), object: 'text_completion', created: Math.floor(Date.now() / 1000), model: model.id };
    if (body.stream) {
      const format: ChunkFormat = (delta, finish) => ({
        ...base,
        choices: [{ index: 0, text: delta ?? '', finish_reason: finish, logprobs: null }],
      });
      return streamGeneration(c, model, req, controller, format, base, body.stream_options?.include_usage ?? false, null);
    }
    const r = await collect(model.scheduler.submit(req));
    return c.json({
      ...base,
      choices: [{ index: 0, text: r.text, finish_reason: r.finishReason, logprobs: null }],
      usage: usage(r.promptTokens, r.completionTokens),
    });
  });

  app.post('/v1/moe/trace', limit, async (c) => {
    const body = await parseBody(c, traceRequestSchema);
    const ids = body.input_ids
      ? checkIds(model, body.input_ids, 'input_ids')
      : body.messages
        ? chatPromptIds(model, body.messages)
        : textPromptIds(model, body.prompt!, 'prompt');
    if (ids.length > model.limits.maxContext) {
      throw new InvalidRequestError(`The prompt has ${ids.length} tokens; at most ${model.limits.maxContext} are traced`, 'prompt');
    }
    const controller = clientSignal(c);
    const r = await collect(
      model.scheduler.submit({
        promptIds: ids,
        maxTokens: 0,
        sampling: { temperature: 0, topP: 1, seed: 0 },
        stop: [],
        trace: true,
        signal: controller.signal,
      }),
    );
    const trace = r.done.trace!;
    const config = model.runner.config;
    return c.json({
      object: 'moe.trace',
      model: model.id,
      num_layers: config.numLayers,
      num_experts: config.routing.numExperts,
      top_k: config.routing.topK,
      moe_layers: config.sparseLayers.flatMap((sparse, i) => (sparse ? [i] : [])),
      tokens: ids.map((id, position) => ({
        position,
        id,
        token: model.tokenizer.tokenString(id),
        experts: trace.ids[position],
        weights: trace.weights[position],
      })),
      usage: usage(ids.length, 0),
    });
  });

  app.get('/v1/models', (c) =>
    c.json({
      object: 'list',
      data: [
        {
          id: model.id,
          object: 'model',
          created: model.createdAt,
          owned_by: 'conclave',
          family: model.runner.config.family,
          max_model_len: model.limits.maxContext,
          device: model.device,
        },
      ],
    }),
  );

  app.get('/health', (c) => {
    const draining = model.scheduler.isDraining;
    return c.json(
      {
        status: draining ? 'draining' : 'ok',
        model: model.id,
        device: model.device,
        queue_depth: model.scheduler.queueDepth,
        active: model.scheduler.activeCount,
      },
      draining ? 503 : 200,
    );
  });

  app.get('/metrics', async (c) => c.body(await model.metrics.render(), 200, { 'content-type': model.metrics.contentType }));

  return app;
}
