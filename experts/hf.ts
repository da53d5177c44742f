import { InferenceClient, InferenceClientInputError, InferenceClientProviderApiError, InferenceClientProviderOutputError } from '@huggingface/inference';
import { callCostUsd } from '../router/cost';
import { ExpertCallError } from '../router/errors';
import type { CallOptions, ChatMessage, ExpertProfile } from '../router/types';
import { httpStatusError, providerErrorMessage } from './http';
import { usageOf } from './openai';
import { choiceOf, StreamAccumulator, wireMessages, wireParams, type WireChunk } from './openai-wire';
import { apiKeyOf } from './secrets';
import { abortedCallError, streamOf, timed } from './shared';
import type { AdapterDeps, ExpertAdapter, ProviderSpec } from './types';

/**
 * Hugging Face Inference Providers through `@huggingface/inference` (it routes a model id to the
 * provider serving it), also with a custom `endpointUrl` for a TGI server. With an endpointUrl the
 * client gets `model` and never `provider`.
 */
export function createHfAdapter(spec: Pick<ProviderSpec, 'secret' | 'params'>, deps: AdapterDeps): ExpertAdapter {
  /** Per-call client: it captures the upstream response headers for Retry-After. */
  function clientFor(expert: ExpertProfile) {
    const token = apiKeyOf(spec, expert, deps.secret);
    const baseFetch = deps.fetch ?? fetch;
    const seen: { retryAfter: string | null } = { retryAfter: null };
    const capturingFetch: typeof fetch = async (input, init) => {
      const res = await baseFetch(input, init);
      seen.retryAfter = res.headers.get('retry-after');
      return res;
    };
    return { client: new InferenceClient(token, { fetch: capturingFetch }), seen };
  }

  function requestArgs(expert: ExpertProfile, messages: ChatMessage[], opts: CallOptions): ChatArgs {
    const params = wireParams(opts.params, spec.params);
    return {
      model: expert.model,
      ...(expert.endpointUrl ? { endpointUrl: expert.endpointUrl } : {}),
      // The client's message type is an open record; ours is a closed subset of OpenAI's.
      messages: wireMessages(messages),
      ...(opts.maxTokens !== undefined && params.max_completion_tokens === undefined ? { max_tokens: opts.maxTokens } : {}),
      ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}),
      ...params,
    } as ChatArgs;
  }

  return {
    complete: (expert, messages, opts) =>
      timed(async () => {
        const { client, seen } = clientFor(expert);
        try {
          const out = await client.chatCompletion(requestArgs(expert, messages, opts), callOptions(opts));
          const [first, ...more] = out.choices ?? [];
          if (!first) throw new ExpertCallError(expert.id, 'response has no choices', { kind: 'protocol' });
          const choice = choiceOf(first as never);
          const usage = usageOf(out.usage, messages, choice.text);
          return {
            expertId: expert.id,
            ...choice,
            ...(more.length ? { moreChoices: more.map((c) => choiceOf(c as never)) } : {}),
            usage,
            costUsd: callCostUsd(expert, usage),
          };
        } catch (e) {
          throw toExpertError(expert.id, e, opts.signal, seen.retryAfter);
        }
      }),
    stream: (expert, messages, opts) =>
      streamOf(expert.id, async function* () {
        const { client, seen } = clientFor(expert);
        const acc = new StreamAccumulator();
        try {
          const args = { ...requestArgs(expert, messages, opts), stream_options: { include_usage: true } };
          for await (const chunk of client.chatCompletionStream(args, callOptions(opts))) yield* acc.add(chunk as WireChunk);
        } catch (e) {
          throw toExpertError(expert.id, e, opts.signal, seen.retryAfter);
        }
        const usage = usageOf(acc.usage, messages, acc.text);
        return { expertId: expert.id, ...acc.choice, ...acc.moreChoices, usage, costUsd: callCostUsd(expert, usage) };
      }),
  };
}

/** The client's own request type; ours (OpenAI's) differs from it only in rarely used fields (logit_bias). */
type ChatArgs = Parameters<InferenceClient['chatCompletion']>[0];

/** The gateway's caller owns retries, so the client's own 503 retry loop is off. */
function callOptions(opts: CallOptions) {
  return { retry_on_error: false, ...(opts.signal ? { signal: opts.signal } : {}) };
}

/** Maps client / network failures to a typed error saying who failed and whether to retry. */
function toExpertError(expertId: string, e: unknown, signal: AbortSignal | undefined, retryAfter: string | null): ExpertCallError {
  if (e instanceof ExpertCallError) return e;
  if (signal?.aborted) return abortedCallError(expertId, signal);
  if (e instanceof InferenceClientProviderApiError) {
    // The client reads only a flat `error` / `message`: OpenAI-shaped servers (TGI, vLLM) nest theirs.
    return httpStatusError(expertId, e.httpResponse.status, providerErrorMessage(e.httpResponse.body) ?? e.message, retryAfter);
  }
  if (e instanceof InferenceClientProviderOutputError) return new ExpertCallError(expertId, `malformed response: ${e.message}`, { kind: 'protocol' });
  if (e instanceof InferenceClientInputError)
    return new ExpertCallError(expertId, `bad expert configuration: ${e.message}`, { source: 'gateway', kind: 'config' });
  const message = e instanceof Error ? e.message : String(e);
  return new ExpertCallError(expertId, `network error: ${message}`, { kind: 'network', retryable: true });
}
