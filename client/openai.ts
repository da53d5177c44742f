import type { RoutingOverride } from '../router/policy';
import type { RoutingSummary } from '../worker/gateway/routing-summary';

// Typed `routing` for the official OpenAI client: import this module once and
// `client.chat.completions.create({ model: 'auto', messages, routing: { strategy: 'fixed', … } })`
// type-checks (a misspelt knob does not), and responses and chunks carry a typed `routing`.

export type { RoutingOverride, RoutingSummary };

declare module 'openai/resources/chat/completions/completions' {
  interface ChatCompletionCreateParamsBase {
    /** Conclave's routing knobs for this request (the body wins over x-routing-policy and the named policy). */
    routing?: RoutingOverride;
  }
  interface ChatCompletion {
    routing?: RoutingSummary;
  }
  interface ChatCompletionChunk {
    routing?: RoutingSummary;
  }
}

/** Identity with the knob names checked: for building a `routing` object before the call. */
export function routing(knobs: RoutingOverride): RoutingOverride {
  return knobs;
}
