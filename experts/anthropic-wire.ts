import { ExpertCallError } from '../router/errors';
import type { ExpertParams, ToolCall, ToolChoice } from '../router/params';
import type { ChatMessage, ContentPart, FinishReason } from '../router/types';

// Anthropic's Messages API wire format, mapped from and to the OpenAI shapes the gateway speaks.

type Block =
  | { type: 'text'; text: string }
  | { type: 'image'; source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string } }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; tool_use_id: string; content: string };

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

/** Anthropic needs max_tokens; this is used when the client set none. */
export const DEFAULT_MAX_TOKENS = 4096;

/** System turns become the `system` field; tool turns become user turns of tool results; same-role runs merge. */
export function anthropicMessages(expertId: string, messages: readonly ChatMessage[]): { system?: string; messages: AnthropicMessage[] } {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content);
  const out: AnthropicMessage[] = [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const blocks = blocksOf(expertId, m);
    const last = out[out.length - 1];
    if (last?.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  }
  return { ...(system.length ? { system: system.join('\n\n') } : {}), messages: out };
}

function blocksOf(expertId: string, m: ChatMessage): Block[] {
  if (m.role === 'tool') return [{ type: 'tool_result', tool_use_id: m.toolCallId ?? '', content: m.content }];
  const content: Block[] = m.parts ? m.parts.map((p) => partBlock(expertId, p)) : m.content ? [{ type: 'text', text: m.content }] : [];
  const calls: Block[] = (m.toolCalls ?? []).map((c) => ({ type: 'tool_use', id: c.id, name: c.function.name, input: toolInput(expertId, c) }));
  return [...content, ...calls];
}

function partBlock(expertId: string, p: ContentPart): Block {
  if (p.type === 'text') return { type: 'text', text: p.text };
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(p.image_url.url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data[1]!, data: data[2]! } };
  if (/^https?:\/\//.test(p.image_url.url)) return { type: 'image', source: { type: 'url', url: p.image_url.url } };
  throw new ExpertCallError(expertId, 'an image must be an http(s) URL or a base64 data: URL', { source: 'gateway', kind: 'config' });
}

function toolInput(expertId: string, c: ToolCall): unknown {
  try {
    return c.function.arguments ? JSON.parse(c.function.arguments) : {};
  } catch {
    throw new ExpertCallError(expertId, `tool call '${c.id}' has arguments that are not JSON`, { source: 'gateway', kind: 'config' });
  }
}

/** The client's fields in Anthropic's names; what the Messages API lacks (seed, penalties, logit_bias) never gets here. */
export function anthropicParams(params: Partial<ExpertParams>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (params.stop?.length) out['stop_sequences'] = params.stop;
  if (params.top_p !== undefined) out['top_p'] = params.top_p;
  if (params.user !== undefined) out['metadata'] = { user_id: params.user };
  if (params.tools?.length) {
    out['tools'] = params.tools.map((t) => ({
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      input_schema: t.function.parameters ?? { type: 'object', properties: {} },
    }));
    const choice = toolChoice(params.tool_choice, params.parallel_tool_calls);
    if (choice) out['tool_choice'] = choice;
  }
  return out;
}

function toolChoice(choice: ToolChoice | undefined, parallel: boolean | undefined): Record<string, unknown> | null {
  const noParallel = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return parallel === false ? { type: 'auto', ...noParallel } : null;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...noParallel };
  if (choice === 'required') return { type: 'any', ...noParallel };
  return { type: 'tool', name: choice.function.name, ...noParallel };
}

const STOP: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function finishOf(stopReason: string | null | undefined): FinishReason {
  return (stopReason && STOP[stopReason]) || 'stop';
}

export interface AnthropicResponse {
  content?: ({ type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown } | { type: string })[];
  stop_reason?: string | null;
  usage?: AnthropicUsage;
}

export interface AnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

/** Input tokens as billed: cache reads and writes are input too. */
export function inputTokensOf(u: AnthropicUsage): number {
  return (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
}

export function answerOf(res: AnthropicResponse): { text: string; finishReason: FinishReason; toolCalls?: ToolCall[] } {
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const b of res.content ?? []) {
    if (b.type === 'text' && 'text' in b) text += b.text;
    else if (b.type === 'tool_use' && 'id' in b)
      toolCalls.push({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } });
  }
  return { text, finishReason: finishOf(res.stop_reason), ...(toolCalls.length ? { toolCalls } : {}) };
}
