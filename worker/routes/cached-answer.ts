import type { Context } from 'hono';
import type { RouteOutcome } from '../../router/pipeline';
import type { AppEnv } from '../env';
import { openAiUsage } from '../gateway/completion';
import type { ChatRequest } from '../gateway/openai-schema';
import type { CachedAnswer } from '../gateway/response-cache';
import { answerId } from '../history/route-id';
import type { RouteRecorder } from '../http/route-recorder';
import { sseData, sseText } from '../http/sse';

/**
 * A request answered from the response cache: no expert is called, so nothing is spent (usage and
 * cost are 0); `routing.cache` is `hit`, the route is recorded as such, and it names the route
 * whose answer it repeats. Streamed requests get the answer as one content chunk.
 */
export function answerFromCache(c: Context<AppEnv>, route: RouteRecorder, body: ChatRequest, hit: CachedAnswer): Response {
  route.cache = 'hit';
  route.aggregation = 'cache';
  const first = hit.choices[0];
  const outcome: RouteOutcome = {
    aggregation: { aggregation: 'cache', text: first?.message.content ?? '', winner: hit.model, detail: { cached_route_id: hit.route_id } },
    answers: [],
    failures: [],
    overBudget: [],
  };
  c.header('x-conclave-cache', 'hit');
  const base = { id: answerId(route.id), created: Math.floor(route.createdAt / 1000), model: hit.model };
  const usage = openAiUsage({ promptTokens: 0, completionTokens: 0 });
  if (!body.stream) {
    const routing = route.finish(outcome, null, null);
    const choices = hit.choices.map((ch) => ({ ...ch, message: { role: 'assistant', ...ch.message, refusal: null }, logprobs: null }));
    return c.json({ ...base, object: 'chat.completion', choices, usage, routing });
  }
  const chunk = { ...base, object: 'chat.completion.chunk' };
  const message = first?.message;
  const routing = route.finish(outcome, null, route.elapsedMs);
  const finish = { index: 0, delta: {}, finish_reason: first?.finish_reason ?? 'stop' };
  const delta = (d: object) => ({ ...chunk, choices: [{ index: 0, delta: d, finish_reason: null }] });
  // The whole answer is at hand: one body.
  const events: unknown[] = [delta({ role: 'assistant', content: '' })];
  if (message?.content) events.push(delta({ content: message.content }));
  if (message?.tool_calls?.length) events.push(delta({ tool_calls: message.tool_calls.map((t, index) => ({ index, ...(t as object) })) }));
  if (body.stream_options?.include_usage) events.push({ ...chunk, choices: [finish] }, { ...chunk, choices: [], usage, routing });
  else events.push({ ...chunk, choices: [finish], routing });
  return sseText(c, sseData(events, true));
}
