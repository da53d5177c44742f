import { InferenceClient, InferenceClientInputError, InferenceClientProviderApiError, InferenceClientProviderOutputError } from '@huggingface/inference';
import { callCostUsd, tokensOf } from '../router/cost';
import { ExpertCallError } from '../router/errors';
import type { CallOptions, ChatMessage, ExpertAnswer, ExpertProfile, ExpertStream, Usage } from '../router/types';
import { abortedCallError, timed } from './shared';
import type { ExpertAdapter } from './types';

export interface HfAdapterDeps {
  /** HF token for Inference Providers (the `HF_TOKEN` secret). */
  hfToken?: string | undefined;
  /** Reads a named secret: an expert's `apiKeySecret` for its own endpoint. */
  secret: (name: string) => string | undefined;
  fetch?: typeof fetch;
}

/**
 * Hugging Face Inference Providers through `@huggingface/inference`, and the same client with a
 * custom `endpointUrl` for any TGI / vLLM / OpenAI-compatible server (the GPU service is one).
 * With an endpointUrl the client gets `model` and never `provider`.
 */
export function createHfAdapter(deps: HfAdapterDeps): ExpertAdapter {
  return {
    complete: (expert, messages, opts) => complete(deps, expert, messages, opts),
    stream: (expert, messages, opts) => stream(deps, expert, messages, opts),
  };
}

/** Per-call client: it captures the upstream response headers for Retry-After. */
function clientFor(deps: HfAdapterDeps, expert: ExpertProfile) {
  const token = expert.apiKeySecret ? deps.secret(expert.apiKeySecret) : expert.endpointUrl ? undefined : deps.hfToken;
  if (expert.apiKeySecret && !token) {
    throw new ExpertCallError(expert.id, `secret '${expert.apiKeySecret}' named by the expert is not set`, { source: 'gateway', kind: 'config' });
  }
  const baseFetch = deps.fetch ?? fetch;
  const seen: { retryAfter: string | null } = { retryAfter: null };
  const capturingFetch: typeof fetch = async (input, init) => {
    const res = await baseFetch(input, init);
    seen.retryAfter = res.headers.get('retry-after');
    return res;
  };
  const client = new InferenceClient(token, { fetch: capturingFetch });
  return { client, seen };
}

function requestArgs(expert: ExpertProfile, messages: ChatMessage[], opts: CallOptions) {
  return {
    model: expert.model,
    ...(expert.endpointUrl ? { endpointUrl: expert.endpointUrl } : {}),
    // The client's message type is an open record; ours is its closed subset.
    messages: messages.map((m) => ({ role: m.role, content: m.content })),
    ...(opts.maxTokens !== undefined ? { max_tokens: opts.maxTokens } : {}),
    ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}),
  };
}

async function complete(deps: HfAdapterDeps, expert: ExpertProfile, messages: ChatMessage[], opts: CallOptions): Promise<ExpertAnswer> {
  const { client, seen } = clientFor(deps, expert);
  return timed(async () => {
    try {
      const out = await client.chatCompletion(requestArgs(expert, messages, opts), callOptions(opts));
      const text = out.choices?.[0]?.message?.content;
      if (typeof text !== 'string') throw new ExpertCallError(expert.id, 'response has no choices[0].message.content', { kind: 'protocol' });
      const usage = usageOf(out.usage, messages, text);
      return { expertId: expert.id, text, usage, costUsd: callCostUsd(expert, usage) };
    } catch (e) {
      throw toExpertError(expert.id, e, opts.signal, seen.retryAfter);
    }
  });
}

function stream(deps: HfAdapterDeps, expert: ExpertProfile, messages: ChatMessage[], opts: CallOptions): ExpertStream {
  let settle!: { resolve: (a: ExpertAnswer) => void; reject: (e: unknown) => void };
  const done = new Promise<ExpertAnswer>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => undefined);
  async function* deltas(): AsyncIterable<string> {
    const start = performance.now();
    let text = '';
    let reported: RawUsage | undefined;
    let finished = false;
    try {
      const { client, seen } = clientFor(deps, expert);
      try {
        const args = { ...requestArgs(expert, messages, opts), stream_options: { include_usage: true } };
        for await (const chunk of client.chatCompletionStream(args, callOptions(opts))) {
          if (chunk.usage) reported = chunk.usage;
          const delta = chunk.choices?.[0]?.delta?.content;
          if (delta) {
            text += delta;
            yield delta;
          }
        }
      } catch (e) {
        throw toExpertError(expert.id, e, opts.signal, seen.retryAfter);
      }
      finished = true;
      const usage = usageOf(reported, messages, text);
      settle.resolve({ expertId: expert.id, text, usage, costUsd: callCostUsd(expert, usage), latencyMs: performance.now() - start });
    } catch (e) {
      settle.reject(e);
      throw e;
    } finally {
      // The consumer stopped reading (a hedged loser): the call is over, say so.
      if (!finished) settle.reject(new ExpertCallError(expert.id, 'stream cancelled by the gateway', { source: 'gateway', kind: 'aborted' }));
    }
  }
  return { deltas: deltas(), done };
}

/** The gateway's caller owns retries, so the client's own 503 retry loop is off. */
function callOptions(opts: CallOptions) {
  return { retry_on_error: false, ...(opts.signal ? { signal: opts.signal } : {}) };
}

interface RawUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

/** Provider-reported usage when present, else the data's character rule. */
function usageOf(raw: RawUsage | undefined, messages: ChatMessage[], text: string): Usage {
  return {
    promptTokens: raw?.prompt_tokens ?? tokensOf(messages.map((m) => m.content).join('\n')),
    completionTokens: raw?.completion_tokens ?? tokensOf(text),
  };
}

/** Maps client / network failures to a typed error saying who failed and whether to retry. */
export function toExpertError(expertId: string, e: unknown, signal: AbortSignal | undefined, retryAfter: string | null): ExpertCallError {
  if (e instanceof ExpertCallError) return e;
  if (signal?.aborted) return abortedCallError(expertId, signal);
  if (e instanceof InferenceClientProviderApiError) {
    const status = e.httpResponse.status;
    return new ExpertCallError(expertId, `HTTP ${status}: ${e.message}`, {
      upstreamStatus: status,
      retryable: status === 408 || status === 429 || status >= 500,
      retryAfterMs: parseRetryAfter(retryAfter),
    });
  }
  if (e instanceof InferenceClientProviderOutputError) return new ExpertCallError(expertId, `malformed response: ${e.message}`, { kind: 'protocol' });
  if (e instanceof InferenceClientInputError) return new ExpertCallError(expertId, `bad expert configuration: ${e.message}`, { source: 'gateway', kind: 'config' });
  const message = e instanceof Error ? e.message : String(e);
  return new ExpertCallError(expertId, `network error: ${message}`, { kind: 'network', retryable: true });
}

/** Retry-After as seconds or an HTTP date, in ms; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
