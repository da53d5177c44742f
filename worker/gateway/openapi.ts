import { z } from 'zod';
import { routingOverrideSchema } from '../../router/policy';
import { feedbackSchema } from '../routes/feedback';
import { chatRequestSchema, embeddingsRequestSchema } from './openai-schema';
import { chatCompletionChunkSchema, chatCompletionSchema, embeddingsResponseSchema, errorSchema, modelListSchema, modelSchema } from './response-schemas';

// /openapi.json, generated from the zod schemas the handlers validate requests with and the
// response schemas their answers are typed by, so the document cannot drift from the code.

const SCHEMAS = {
  ChatCompletionRequest: [chatRequestSchema, 'input'],
  Routing: [routingOverrideSchema, 'input'],
  ChatCompletion: [chatCompletionSchema, 'output'],
  ChatCompletionChunk: [chatCompletionChunkSchema, 'output'],
  EmbeddingsRequest: [embeddingsRequestSchema, 'input'],
  Embeddings: [embeddingsResponseSchema, 'output'],
  Model: [modelSchema, 'output'],
  ModelList: [modelListSchema, 'output'],
  FeedbackRequest: [feedbackSchema, 'input'],
  Error: [errorSchema, 'output'],
} as const satisfies Record<string, readonly [z.ZodType, 'input' | 'output']>;

const ref = (name: keyof typeof SCHEMAS) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: keyof typeof SCHEMAS) => ({ 'application/json': { schema: ref(name) } });
const errors = Object.fromEntries(
  [
    ['400', 'A field is wrong, or the request cannot be honoured (the message says why)'],
    ['401', 'Missing or invalid API key'],
    ['402', 'The key’s budget is used up'],
    ['403', 'The key may not use this model or expert'],
    ['404', 'Unknown model'],
    [
      '422',
      'Every expert tried failed for the request’s own reason: it refused the input as invalid (rejected_by_expert), or no replay expert recorded the prompt (not_recorded); each one’s reason is listed',
    ],
    ['429', 'The key’s rate limit (Retry-After says when)'],
    ['502', 'The experts failed (each one’s reason is listed)'],
    ['503', 'The experts this request needs are failing, their circuits open (Retry-After says when to try again)'],
  ].map(([status, description]) => [status, { description, content: json('Error') }]),
);

function build(): Record<string, unknown> {
  const schemas = Object.fromEntries(
    Object.entries(SCHEMAS).map(([name, [schema, io]]) => [name, strip(z.toJSONSchema(schema, { io, unrepresentable: 'any' }))]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'Conclave',
      version: '0.1.0',
      description: 'OpenAI-compatible gateway that routes each request to one or more expert LLMs and aggregates their answers.',
    },
    components: { schemas, securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key made in the admin API' } } },
    security: [{ apiKey: [] }],
    paths: {
      '/v1/chat/completions': {
        post: {
          summary: 'Chat completion, routed and aggregated',
          description:
            '`model` names a routing policy (auto, economy, quality, balanced, or a saved one) or one expert id. Routing knobs go in `routing` or the x-routing-policy header (the body wins).',
          parameters: [
            { name: 'x-routing-policy', in: 'header', required: false, description: 'The same JSON as the body’s `routing`', schema: { type: 'string' } },
            {
              name: 'cache-control',
              in: 'header',
              required: false,
              description: '`no-store` skips the exact-match response cache for this request',
              schema: { type: 'string' },
            },
          ],
          requestBody: { required: true, content: json('ChatCompletionRequest') },
          responses: {
            '200': {
              description: 'The answer (x-route-id names its history record; x-conclave-cache says hit or miss)',
              content: { ...json('ChatCompletion'), 'text/event-stream': { schema: ref('ChatCompletionChunk') } },
            },
            ...errors,
          },
        },
      },
      '/v1/embeddings': {
        post: {
          summary: 'Embeddings from an expert registered with task embedding',
          requestBody: { required: true, content: json('EmbeddingsRequest') },
          responses: { '200': { description: 'The vectors', content: json('Embeddings') }, ...errors },
        },
      },
      '/v1/models': {
        get: {
          summary: 'Routing policies and enabled experts',
          responses: { '200': { description: 'The models', content: json('ModelList') }, '401': errors['401'] },
        },
      },
      '/v1/models/{id}': {
        get: {
          summary: 'One policy or expert',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The model', content: json('Model') }, '401': errors['401'], '404': errors['404'] },
        },
      },
      '/v1/feedback': {
        post: {
          summary: 'Rate a routed answer; the routers learn from it',
          requestBody: { required: true, content: json('FeedbackRequest') },
          responses: { '201': { description: 'Stored' }, '200': { description: 'Replaced the key’s earlier rating of the route' }, ...errors },
        },
      },
      '/health': { get: { summary: 'Liveness', security: [], responses: { '200': { description: 'ok' } } } },
    },
  };
}

/** Component schemas need no `$schema` line of their own. */
function strip(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _, ...rest } = schema;
  return rest;
}

let document: Record<string, unknown> | null = null;

/** Built once per isolate, on first request. */
export function openApiDocument(): Record<string, unknown> {
  return (document ??= build());
}
