// Turns validated API bodies into token ids and generation parameters, enforcing the token limits.
import { ContextLengthError, InvalidRequestError } from '../errors.js';
import type { GenerationRequest } from '../engine/scheduler.js';
import type { ServedModel } from '../service.js';
import type { ChatMessage } from '../tokenizer/tokenizer.js';
import type { ChatRequest, CompletionRequest, Message } from './schemas.js';

export function toChatMessages(messages: Message[]): ChatMessage[] {
  return messages.map((m) => ({
    role: m.role,
    content: typeof m.content === 'string' ? m.content : (m.content ?? []).map((p) => p.text).join(''),
  }));
}

export function chatPromptIds(model: ServedModel, messages: Message[]): number[] {
  // The template writes special tokens (BOS, role markers) itself, so none are added on encoding.
  return model.tokenizer.encode(model.tokenizer.applyChatTemplate(toChatMessages(messages)), false);
}

export function completionPromptIds(model: ServedModel, prompt: CompletionRequest['prompt']): number[] {
  if (typeof prompt === 'string') return model.tokenizer.encode(prompt, true);
  if (typeof prompt[0] === 'string') return model.tokenizer.encode(prompt[0], true);
  return checkIds(model, prompt as number[], 'prompt');
}

export function checkIds(model: ServedModel, ids: number[], param: string): number[] {
  const vocab = model.runner.config.vocabSize;
  const bad = ids.find((id) => id >= vocab);
  if (bad !== undefined) throw new InvalidRequestError(`Token id ${bad} is outside the vocabulary of ${vocab}`, param);
  return ids;
}

/** Applies defaults and the service's limits; throws 400 when prompt + completion cannot fit. */
export function generationRequest(
  model: ServedModel,
  promptIds: number[],
  body: ChatRequest | CompletionRequest,
  signal: AbortSignal,
): GenerationRequest {
  const { maxContext, maxTokensLimit, defaultMaxTokens } = model.limits;
  const param = 'messages' in body ? 'messages' : 'prompt';
  if (promptIds.length === 0) throw new InvalidRequestError('The prompt is empty', param);
  if (promptIds.length >= maxContext) {
    throw new ContextLengthError(`The prompt has ${promptIds.length} tokens; this model's context is ${maxContext} tokens`, param);
  }
  const asked = ('max_completion_tokens' in body ? body.max_completion_tokens : null) ?? body.max_tokens ?? null;
  if (asked !== null && asked > maxTokensLimit) {
    throw new InvalidRequestError(`max_tokens may be at most ${maxTokensLimit}`, 'max_tokens');
  }
  if (asked !== null && promptIds.length + asked > maxContext) {
    throw new ContextLengthError(
      `The prompt (${promptIds.length} tokens) plus max_tokens (${asked}) exceeds this model's context of ${maxContext} tokens`,
      'max_tokens',
    );
  }
  const stop = body.stop === null || body.stop === undefined ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;
  return {
    promptIds,
    maxTokens: asked ?? Math.min(defaultMaxTokens, maxContext - promptIds.length),
    sampling: { temperature: body.temperature ?? 1, topP: body.top_p ?? 1, seed: body.seed ?? null },
    stop,
    signal,
  };
}
