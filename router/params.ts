// The client's OpenAI request fields that reach an answering expert, by their OpenAI names: the
// openai / hf adapters send them as they are, others map what their protocol has (experts/providers.ts).

/** A function the model may call (OpenAI's `tools[]` entry). */
export interface ToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

export type ToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

/** A function call the model asked for. */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A piece of a streamed tool call, in OpenAI's streaming shape (index counts the calls). */
export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

/** What a stream yields: answer text, or pieces of tool calls. */
export type StreamDelta = string | { toolCalls: ToolCallDelta[] };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean | null } };

export type ReasoningEffort = 'minimal' | 'low' | 'medium' | 'high';

export interface ExpertParams {
  /** Sent under this name when the client used it (reasoning models take no `max_tokens`); `maxTokens` holds the value. */
  max_completion_tokens?: number;
  stop?: string[];
  seed?: number;
  top_p?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  logit_bias?: Record<string, number>;
  user?: string;
  /** Choices to return; above 1 only on a route that calls one expert. */
  n?: number;
  tools?: ToolDefinition[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: ResponseFormat;
  reasoning_effort?: ReasoningEffort;
}

export type ExpertParamName = keyof ExpertParams;

/** Text pieces only: for consumers that aggregate or display answer text. */
export function textOf(delta: StreamDelta): string {
  return typeof delta === 'string' ? delta : '';
}
