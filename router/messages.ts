import type { ChatMessage } from './types';

/** The last user message: the question a request asks. */
export function lastUserMessage(messages: readonly ChatMessage[]): ChatMessage | null {
  return messages.findLast((m) => m.role === 'user') ?? null;
}

/** The text routers, replay and skill extraction look at: the last user message, or null. */
export function lastUserContent(messages: readonly ChatMessage[]): string | null {
  return lastUserMessage(messages)?.content ?? null;
}
