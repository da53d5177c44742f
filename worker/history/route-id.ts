import { hex } from '../../router/hex';

/** Time-ordered, unguessable route ids: `rt_` + ms timestamp (base36) + 64 random bits. */
export function newRouteId(now: number): string {
  return `rt_${now.toString(36)}${hex(crypto.getRandomValues(new Uint8Array(8)))}`;
}

/** When a route id was made (ms), or null for a string that is not one. */
export function routeIdTime(id: string): number | null {
  const m = /^rt_([0-9a-z]+)[0-9a-f]{16}$/.exec(id);
  if (!m) return null;
  const t = Number.parseInt(m[1]!, 36);
  return Number.isSafeInteger(t) ? t : null;
}

/** What an answer's `id` puts before its route id, as OpenAI's ids begin. */
export const ANSWER_ID_PREFIX = 'chatcmpl-';

/** The chat completion `id` of a route's answer. */
export function answerId(routeId: string): string {
  return `${ANSWER_ID_PREFIX}${routeId}`;
}
