// Turns validated API bodies into token ids and generation parameters, enforcing the token limits.
import { ContextLengthError, InvalidRequestError, PromptTooLargeError } from '../errors.js';
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

/**
 * Tokenising is synchronous and costs more than linear time on long texts (a 900 KB prompt held the
 * event loop ~5 s), so a prompt's bytes are bounded before its tokens are counted.
 */
export function checkPromptBytes(model: ServedModel, texts: readonly string[], param: string): void {
  let bytes = 0;
  for (const t of texts) bytes += Buffer.byteLength(t, 'utf8');
  if (bytes > model.limits.maxPromptBytes) throw new PromptTooLargeError(bytes, model.limits.maxPromptBytes, param);
}

export function chatPromptIds(model: ServedModel, messages: Message[]): number[] {
  const chat = toChatMessages(messages);
  checkPromptBytes(
    model,
    chat.map((m) => m.content),
    'messages',
  );
  // The template writes special tokens (BOS, role markers) itself, so none are added on encoding.
  return model.tokenizer.encode(model.tokenizer.applyChatTemplate(chat), false);
}

export function textPromptIds(model: ServedModel, text: string, param: string): number[] {
  checkPromptBytes(model, [text], param);
  return model.tokenizer.encode(text, true);
}

export function completionPromptIds(model: ServedModel, prompt: CompletionRequest['prompt']): number[] {
  if (typeof prompt === 'string') return textPromptIds(model, prompt, 'prompt');
  if (typeof prompt[0] === 'string') return textPromptIds(model, prompt[0], 'prompt');
  return checkIds(model, prompt as number[], 'prompt');
}

export function checkIds(model: ServedModel, ids: number[], param: string): number[] {
  const vocab = model.runner.config.vocabSize;
  const bad = ids.find((id) => id >= vocab);
  if (bad !== undefined) throw new InvalidRequestError(`Token id ${bad} is outside the vocabulary of ${vocab}`, param);
  return ids;
}

/** Applies defaults and the service's limits; throws 400 when prompt + completion cannot fit. */
export function generationRequest(model: ServedModel, promptIds: number[], body: ChatRequest | CompletionRequest, signal: AbortSignal): GenerationRequest {
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
