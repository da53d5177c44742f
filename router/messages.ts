import type { ChatMessage } from './types';

/** The text routers, replay and skill extraction look at: the last user message, or null. */
export function lastUserContent(messages: readonly ChatMessage[]): string | null {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.role === 'user') return messages[i]!.content;
  return null;
}
