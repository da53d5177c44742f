import { callCostUsd } from '../router/cost';
import { ExpertCallError } from '../router/errors';
import type { ToolCallDelta } from '../router/params';
import type { CallOptions, ChatMessage, ExpertProfile, FinishReason } from '../router/types';
import {
  anthropicMessages,
  anthropicParams,
  answerOf,
  DEFAULT_MAX_TOKENS,
  finishOf,
  inputTokensOf,
  type AnthropicResponse,
  type AnthropicUsage,
} from './anthropic-wire';
import { postJson, readJsonBody } from './http';
import { streamError, usageOf } from './openai';
import { StreamAccumulator, wireParams } from './openai-wire';
import { apiKeyOf } from './secrets';
import { streamOf, timed } from './shared';
import { sseEvents } from './sse';
import type { AdapterDeps, ExpertAdapter, ProviderSpec } from './types';

export const ANTHROPIC_API = 'https://api.anthropic.com';
const VERSION = '2023-06-01';

/** Anthropic's Messages API, natively: system prompts, images, tools and their streamed deltas, usage and stop reasons. */
export function createAnthropicAdapter(spec: Pick<ProviderSpec, 'secret' | 'params'>, deps: AdapterDeps): ExpertAdapter {
  const fetcher = deps.fetch ?? fetch;
  const url = (expert: ExpertProfile) => `${(expert.endpointUrl ?? ANTHROPIC_API).replace(/\/+$/, '').replace(/\/v1$/, '')}/v1/messages`;
  const headers = (expert: ExpertProfile): Record<string, string> => {
    const key = apiKeyOf(spec, expert, deps.secret);
    return { 'anthropic-version': VERSION, ...(key ? { 'x-api-key': key } : {}) };
  };
  const body = (expert: ExpertProfile, messages: ChatMessage[], opts: CallOptions) => ({
    model: expert.model,
    ...anthropicMessages(expert.id, messages),
    max_tokens: opts.maxTokens ?? DEFAULT_MAX_TOKENS,
    ...(opts.temperature !== undefined ? { temperature: Math.min(1, opts.temperature) } : {}),
    ...anthropicParams(wireParams(opts.params, spec.params)),
  });

  return {
    complete: (expert, messages, opts) =>
      timed(async () => {
        const res = await postJson(expert.id, url(expert), headers(expert), body(expert, messages, opts), opts.signal, fetcher);
        const out = await readJsonBody<AnthropicResponse>(expert.id, res, opts.signal);
        const answer = answerOf(out);
        const usage = usageOf(
          out.usage ? { prompt_tokens: inputTokensOf(out.usage), completion_tokens: out.usage.output_tokens ?? 0 } : undefined,
          messages,
          answer.text,
        );
        return { expertId: expert.id, ...answer, usage, costUsd: callCostUsd(expert, usage) };
      }),
    stream: (expert, messages, opts) =>
      streamOf(expert.id, async function* () {
        const res = await postJson(expert.id, url(expert), headers(expert), { ...body(expert, messages, opts), stream: true }, opts.signal, fetcher);
        if (!res.body) throw new ExpertCallError(expert.id, 'streaming response has no body', { kind: 'protocol' });
        const acc = new StreamAccumulator();
        const toolIndex = new Map<number, number>();
        let finishReason: FinishReason = 'stop';
        let usage: AnthropicUsage = {};
        try {
          for await (const { data } of sseEvents(res.body)) {
            const e = parseEvent(expert.id, data);
            if (e.type === 'message_start') usage = { ...usage, ...e.message?.usage };
            else if (e.type === 'message_delta') {
              if (e.delta?.stop_reason) finishReason = finishOf(e.delta.stop_reason);
              usage = { ...usage, ...e.usage };
            } else if (e.type === 'content_block_start' && e.content_block?.type === 'tool_use') {
              toolIndex.set(e.index ?? 0, toolIndex.size);
              yield toolDelta(acc, {
                index: toolIndex.get(e.index ?? 0)!,
                id: e.content_block.id ?? '',
                type: 'function',
                function: { name: e.content_block.name ?? '', arguments: '' },
              });
            } else if (e.type === 'content_block_delta' && e.delta?.type === 'text_delta' && e.delta.text) {
              acc.text += e.delta.text;
              yield e.delta.text;
            } else if (e.type === 'content_block_delta' && e.delta?.type === 'input_json_delta' && e.delta.partial_json) {
              const index = toolIndex.get(e.index ?? 0);
              if (index !== undefined) yield toolDelta(acc, { index, function: { arguments: e.delta.partial_json } });
            } else if (e.type === 'error') {
              const kind = e.error?.type ?? 'error';
              throw new ExpertCallError(expert.id, `stream error ${kind}: ${e.error?.message ?? ''}`, {
                kind: 'protocol',
                retryable: kind === 'overloaded_error' || kind === 'api_error',
              });
            } else if (e.type === 'message_stop') break;
          }
        } catch (e) {
          throw streamError(expert.id, e, opts.signal);
        }
        const counted = usageOf({ prompt_tokens: inputTokensOf(usage), completion_tokens: usage.output_tokens ?? 0 }, messages, acc.text);
        acc.finishReason = finishReason;
        return { expertId: expert.id, ...acc.choice, usage: counted, costUsd: callCostUsd(expert, counted) };
      }),
  };
}

function toolDelta(acc: StreamAccumulator, d: ToolCallDelta) {
  acc.addToolCall(d);
  return { toolCalls: [d] };
}

interface StreamEvent {
  type: string;
  index?: number;
  message?: { usage?: AnthropicUsage };
  content_block?: { type: string; id?: string; name?: string };
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string | null };
  usage?: AnthropicUsage;
  error?: { type?: string; message?: string };
}

function parseEvent(expertId: string, data: string): StreamEvent {
  try {
    return JSON.parse(data) as StreamEvent;
  } catch {
    throw new ExpertCallError(expertId, `malformed stream event: ${data.slice(0, 200)}`, { kind: 'protocol' });
  }
}
