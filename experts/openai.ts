import { callCostUsd, tokensOf } from '../router/cost';
import { ExpertCallError } from '../router/errors';
import type { CallOptions, ChatMessage, ExpertProfile, Usage } from '../router/types';
import { endpointPath, postJson, readJsonBody } from './http';
import { choiceOf, StreamAccumulator, wireMessages, wireParams, type WireChoice, type WireChunk } from './openai-wire';
import { apiKeyOf } from './secrets';
import { abortedCallError, streamOf, timed } from './shared';
import { sseEvents } from './sse';
import type { AdapterDeps, ExpertAdapter, ProviderSpec } from './types';

/**
 * Any OpenAI-compatible chat-completions server (vLLM, TGI, llama.cpp, the GPU service, OpenAI
 * itself) over plain fetch: the client's fields pass through as sent, tool calls and finish
 * reasons come back as the server reported them, embeddings where the server has them.
 */
export function createOpenAiAdapter(spec: Pick<ProviderSpec, 'secret' | 'params'>, deps: AdapterDeps): ExpertAdapter {
  const fetcher = deps.fetch ?? fetch;
  const headers = (expert: ExpertProfile): Record<string, string> => {
    const key = apiKeyOf(spec, expert, deps.secret);
    return key ? { authorization: `Bearer ${key}` } : {};
  };
  const endpoint = (expert: ExpertProfile, path: string): string => {
    if (!expert.endpointUrl) throw new ExpertCallError(expert.id, 'an openai expert needs an endpoint_url', { source: 'gateway', kind: 'config' });
    return endpointPath(expert.endpointUrl, path);
  };
  const body = (expert: ExpertProfile, messages: ChatMessage[], opts: CallOptions) => {
    const params = wireParams(opts.params, spec.params);
    return {
      model: expert.model,
      messages: wireMessages(messages),
      ...(opts.maxTokens !== undefined && params.max_completion_tokens === undefined ? { max_tokens: opts.maxTokens } : {}),
      ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}),
      ...params,
    };
  };

  return {
    complete: (expert, messages, opts) =>
      timed(async () => {
        const res = await postJson(expert.id, endpoint(expert, '/chat/completions'), headers(expert), body(expert, messages, opts), opts.signal, fetcher);
        return answerOf(expert, messages, await readJsonBody<Completion>(expert.id, res, opts.signal));
      }),
    stream: (expert, messages, opts) =>
      streamOf(expert.id, async function* () {
        const res = await postJson(
          expert.id,
          endpoint(expert, '/chat/completions'),
          headers(expert),
          { ...body(expert, messages, opts), stream: true, stream_options: { include_usage: true } },
          opts.signal,
          fetcher,
        );
        if (!res.body) throw new ExpertCallError(expert.id, 'streaming response has no body', { kind: 'protocol' });
        // A server that ignores `stream` answers whole: pass that answer on in one piece.
        if (!/event-stream/i.test(res.headers.get('content-type') ?? '')) {
          const answer = answerOf(expert, messages, await readJsonBody<Completion>(expert.id, res, opts.signal));
          if (answer.text) yield answer.text;
          if (answer.toolCalls) yield { toolCalls: answer.toolCalls.map((c, index) => ({ index, ...c })) };
          return answer;
        }
        const acc = new StreamAccumulator();
        let chunks = 0;
        try {
          for await (const event of sseEvents(res.body)) {
            if (event.data === '[DONE]') break;
            chunks++;
            yield* acc.add(parseChunk(expert.id, event.data));
          }
        } catch (e) {
          throw streamError(expert.id, e, opts.signal);
        }
        if (chunks === 0) throw new ExpertCallError(expert.id, 'the stream ended without a chunk', { kind: 'protocol' });
        const usage = usageOf(acc.usage, messages, acc.text);
        return { expertId: expert.id, ...acc.choice, ...acc.moreChoices, usage, costUsd: callCostUsd(expert, usage) };
      }),
    embed: (expert, input, opts) =>
      timed(async () => {
        const req = { model: expert.model, input, ...(opts.dimensions !== undefined ? { dimensions: opts.dimensions } : {}) };
        const res = await postJson(expert.id, endpoint(expert, '/embeddings'), headers(expert), req, opts.signal, fetcher);
        const out = await readJsonBody<{ data?: { index?: number; embedding?: unknown }[]; usage?: { prompt_tokens?: number } }>(expert.id, res, opts.signal);
        const data = [...(out.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
        const vectors = data.map((d) => d.embedding);
        if (vectors.length !== input.length || !vectors.every((v): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number'))) {
          throw new ExpertCallError(expert.id, `expected ${input.length} embedding vector(s), got ${vectors.length}`, { kind: 'protocol' });
        }
        const usage = { promptTokens: out.usage?.prompt_tokens ?? input.reduce((s, t) => s + tokensOf(t), 0), completionTokens: 0 };
        return { vectors, usage, costUsd: callCostUsd(expert, usage) };
      }),
  };
}

interface Completion {
  choices?: WireChoice[];
  usage?: WireChunk['usage'];
}

function answerOf(expert: ExpertProfile, messages: ChatMessage[], out: Completion) {
  const [first, ...more] = out.choices ?? [];
  if (!first) throw new ExpertCallError(expert.id, 'response has no choices', { kind: 'protocol' });
  const choice = choiceOf(first);
  const usage = usageOf(out.usage, messages, choice.text);
  return { expertId: expert.id, ...choice, ...(more.length ? { moreChoices: more.map(choiceOf) } : {}), usage, costUsd: callCostUsd(expert, usage) };
}

function parseChunk(expertId: string, data: string): WireChunk {
  try {
    return JSON.parse(data) as WireChunk;
  } catch {
    throw new ExpertCallError(expertId, `malformed stream chunk: ${data.slice(0, 200)}`, { kind: 'protocol' });
  }
}

/** A stream that broke after it started: the connection (network) unless the gateway stopped it. */
export function streamError(expertId: string, e: unknown, signal: AbortSignal | undefined): ExpertCallError {
  if (e instanceof ExpertCallError) return e;
  if (signal?.aborted) return abortedCallError(expertId, signal);
  return new ExpertCallError(expertId, `stream broke: ${e instanceof Error ? e.message : String(e)}`, { kind: 'network', retryable: true });
}

/** Provider-reported usage when present, else the data's character rule. */
export function usageOf(raw: { prompt_tokens?: number; completion_tokens?: number } | null | undefined, messages: ChatMessage[], text: string): Usage {
  return {
    promptTokens: raw?.prompt_tokens ?? tokensOf(messages.map((m) => m.content).join('\n')),
    completionTokens: raw?.completion_tokens ?? tokensOf(text),
  };
}
